import { scrubSecrets } from './logger';

describe('scrubSecrets', () => {
  it.each([
    ['api key', 'key lsk_AbC-123_xyz here', 'key lsk_[REDACTED] here'],
    ['bearer token', '"authorization":"Bearer abc.def-ghi"', '"authorization":"Bearer [REDACTED]"'],
    ['jwt', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.sig_part-1 end', 'token [REDACTED_JWT] end'],
    ['database password', 'postgresql://app:s3cret@db:5432/x', 'postgresql://app:[REDACTED]@db:5432/x'],
  ])('redacts a %s', (_n, input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    expect(scrubSecrets('{"msg":"server srv-001 stopped","requestId":"req_1"}')).toBe('{"msg":"server srv-001 stopped","requestId":"req_1"}');
  });
});
