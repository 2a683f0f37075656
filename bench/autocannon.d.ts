// The few parts of autocannon's API the benchmarks use.
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      overallRate?: number;
      headers?: Record<string, string>;
      method?: string;
      body?: string;
    }
    interface Histogram { average: number; p50: number; p99: number }
    interface Result { requests: Histogram; latency: Histogram; non2xx: number; errors: number }
  }
  function autocannon(opts: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}
