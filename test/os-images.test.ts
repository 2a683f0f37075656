import { bearer, settled, startTestApp, TestApp } from './support/app';

const ASCEND_210 = 'img-euleros-2.10-arm-ascend';
const ASCEND_212 = 'img-euleros-2.12-arm-ascend';
const CUDA_2204 = 'img-ubuntu-22.04-x86-cuda';

interface AuditRow {
  type: string;
  action: string;
  outcome: string;
  fromStatus: string | null;
  toStatus: string | null;
  reason: string | null;
  operationId: string | null;
  resource: { type: string; id: string | null };
  actor: { type: string; id: string };
  details: Record<string, unknown> | null;
}

/**
 * Switch OS, reset OS and custom images. The first block runs with no worker
 * anywhere, so accepted operations stay in progress and every "while a task
 * runs" assertion is deterministic; the second starts a worker replica and
 * drives each lifecycle to its end through the simulator.
 *
 * Demo fleet: NPU (AARCH64, pool-ascend-a) srv-001/005 running, srv-003/007
 * stopped; GPU (X86_64, pool-gpu-b) srv-002/006 running, srv-004/008 stopped.
 */
describe('OS management and custom images', () => {
  let t: TestApp;
  let auditor: string;
  let operator: string;
  beforeAll(async () => {
    t = await startTestApp({ WORKER_ENABLED: 'false' });
    auditor = await t.key('auditor');
    operator = await t.key('operator');
  });
  afterAll(() => t.close());

  const auth = () => bearer(t.admin);
  const audit = async (q: string): Promise<AuditRow[]> => {
    const r = await t.http.get(`/v1/audit-events?${q}&limit=200`).set(bearer(auditor));
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    return r.body.items;
  };
  const server = async (id: string) => (await t.http.get(`/v1/servers/${id}`).set(auth()).expect(200)).body;
  const image = async (id: string) => (await t.http.get(`/v1/images/${id}`).set(auth()).expect(200)).body;
  const lastRejection = async (resourceId: string, action: string) => (await audit(`resourceId=${resourceId}&action=${action}&outcome=REJECTED`)).pop();

  describe('preconditions (no worker: accepted work stays in progress)', () => {
    it('refuses switch-os and reset-os without confirmDataLoss, saying what is erased and what is kept, and audits it', async () => {
      for (const body of [{ imageId: ASCEND_212 }, { imageId: ASCEND_212, confirmDataLoss: false }]) {
        const r = await t.http.post('/v1/servers/srv-003/switch-os').set(auth()).send(body).expect(400);
        expect(r.body.error).toMatchObject({ code: 'DATA_LOSS_NOT_CONFIRMED', details: { systemDisk: 'ERASED', dataDisks: 'KEPT' } });
        expect(r.body.error.message).toMatch(/system disk/);
        expect(r.body.error.message).toMatch(/data disks are kept/);
        expect(r.body.error.message).toMatch(/confirmDataLoss/);
      }
      const reset = await t.http.post('/v1/servers/srv-003/reset-os').set(auth()).send({}).expect(400);
      expect(reset.body.error.code).toBe('DATA_LOSS_NOT_CONFIRMED');
      await t.http.post('/v1/servers/srv-003/reset-os').set(auth()).expect(400);
      expect(await lastRejection('srv-003', 'server.switch-os')).toMatchObject({ type: 'ACTION', actor: { type: 'API_KEY' }, reason: expect.stringMatching(/^DATA_LOSS_NOT_CONFIRMED/) });
      expect(await lastRejection('srv-003', 'server.reset-os')).toMatchObject({ reason: expect.stringMatching(/^DATA_LOSS_NOT_CONFIRMED/) });
      // Nothing was started.
      expect(await server('srv-003')).toMatchObject({ status: 'STOPPED', task: null, image: { id: ASCEND_210 } });
    });

    it('is admin only: an operator gets 403, audited as DENIED', async () => {
      await t.http.post('/v1/servers/srv-003/switch-os').set(bearer(operator)).send({ imageId: ASCEND_212, confirmDataLoss: true }).expect(403);
      await t.http.post('/v1/servers/srv-003/images').set(bearer(operator)).send({ name: 'nope' }).expect(403);
      const denied = await audit('resourceId=srv-003&outcome=DENIED');
      expect(denied.map((e) => e.action)).toEqual(['server.switch-os', 'server.create-image']);
    });

    it('a pool-scoped admin cannot see servers of other pools', async () => {
      const gpuAdmin = await t.key('admin', ['pool-gpu-b']);
      await t.http.post('/v1/servers/srv-003/reset-os').set(bearer(gpuAdmin)).send({ confirmDataLoss: true }).expect(404);
    });

    it('rejects bad bodies with 400 VALIDATION_FAILED', async () => {
      const r = await t.http.post('/v1/servers/srv-003/switch-os').set(auth()).send({ confirmDataLoss: true }).expect(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      await t.http.post('/v1/servers/srv-003/switch-os').set(auth()).send({ imageId: ASCEND_212, confirmDataLoss: 'yes' }).expect(400);
      await t.http.post('/v1/servers/srv-003/reset-os').set(auth()).send({ confirmDataLoss: true, imageId: ASCEND_212 }).expect(400);
      await t.http.post('/v1/servers/srv-003/images').set(auth()).send({ name: ' leading-space' }).expect(400);
      await t.http.post('/v1/servers/srv-003/images').set(auth()).send({ name: 'x'.repeat(65) }).expect(400);
    });

    it('refuses a server that is not STOPPED with 409 INVALID_STATE (stop it first), audited', async () => {
      for (const [path, body] of [
        ['switch-os', { imageId: ASCEND_212, confirmDataLoss: true }],
        ['reset-os', { confirmDataLoss: true }],
        ['images', { name: 'from-running' }],
      ] as const) {
        const r = await t.http.post(`/v1/servers/srv-001/${path}`).set(auth()).send(body).expect(409);
        expect(r.body.error).toMatchObject({ code: 'INVALID_STATE', details: { currentStatus: 'RUNNING', task: null } });
        expect(r.body.error.details.allowedOperations).toContain('stop');
      }
      const rejected = await audit('resourceId=srv-001&outcome=REJECTED');
      expect(rejected.map((e) => [e.action, e.fromStatus])).toEqual([
        ['server.switch-os', 'RUNNING'],
        ['server.reset-os', 'RUNNING'],
        ['server.create-image', 'RUNNING'],
      ]);
    });

    it('refuses an unknown image with 404, audited', async () => {
      const r = await t.http.post('/v1/servers/srv-003/switch-os').set(auth()).send({ imageId: 'img-nope', confirmDataLoss: true }).expect(404);
      expect(r.body.error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'Image', id: 'img-nope' } });
      expect(await lastRejection('srv-003', 'server.switch-os')).toMatchObject({ reason: expect.stringMatching(/^NOT_FOUND/) });
    });

    it('refuses an incompatible image with 422 IMAGE_INCOMPATIBLE: no Ascend image on an NVIDIA GPU server and vice versa', async () => {
      const r = await t.http.post('/v1/servers/srv-004/switch-os').set(auth()).send({ imageId: ASCEND_212, confirmDataLoss: true }).expect(422);
      expect(r.body.error).toMatchObject({
        code: 'IMAGE_INCOMPATIBLE',
        details: { imageId: ASCEND_212, serverId: 'srv-004', image: { architecture: 'AARCH64', accelerator: 'NPU' }, server: { architecture: 'X86_64', acceleratorType: 'GPU' } },
      });
      expect(r.body.error.details.reasons).toHaveLength(2);
      const back = await t.http.post('/v1/servers/srv-003/switch-os').set(auth()).send({ imageId: CUDA_2204, confirmDataLoss: true }).expect(422);
      expect(back.body.error.code).toBe('IMAGE_INCOMPATIBLE');
      expect(await lastRejection('srv-004', 'server.switch-os')).toMatchObject({ reason: expect.stringMatching(/^IMAGE_INCOMPATIBLE/) });
    });

    it('refuses an image that is not AVAILABLE with 409 IMAGE_NOT_AVAILABLE', async () => {
      for (const status of ['CREATING', 'FAILED'] as const) {
        await t.prisma.image.create({
          data: { id: `img-test-${status}`, name: `test ${status}`, type: 'CUSTOM', status, osFamily: 'EulerOS', osVersion: '2.10', architecture: 'AARCH64', accelerator: 'NPU', poolId: 'pool-ascend-a', sourceServerId: 'srv-001' },
        });
        const r = await t.http.post('/v1/servers/srv-003/switch-os').set(auth()).send({ imageId: `img-test-${status}`, confirmDataLoss: true }).expect(409);
        expect(r.body.error).toMatchObject({ code: 'IMAGE_NOT_AVAILABLE', details: { imageStatus: status } });
      }
      expect(await lastRejection('srv-003', 'server.switch-os')).toMatchObject({ reason: expect.stringMatching(/^IMAGE_NOT_AVAILABLE/) });
    });

    it('refuses switching to the image already installed with 409 IMAGE_ALREADY_INSTALLED (use reset-os)', async () => {
      const r = await t.http.post('/v1/servers/srv-003/switch-os').set(auth()).send({ imageId: ASCEND_210, confirmDataLoss: true }).expect(409);
      expect(r.body.error).toMatchObject({ code: 'IMAGE_ALREADY_INSTALLED', details: { imageId: ASCEND_210 } });
      expect(r.body.error.message).toMatch(/reset-os/);
    });

    it('accepts switch-os: the server shows SWITCHING_OS and refuses other lifecycle actions meanwhile', async () => {
      const r = await t.http.post('/v1/servers/srv-003/switch-os').set(auth()).send({ imageId: ASCEND_212, confirmDataLoss: true }).expect(202);
      expect(r.headers.location).toBe(`/v1/operations/${r.body.id}`);
      expect(r.body).toMatchObject({ type: 'SWITCH_OS', status: 'PENDING', serverId: 'srv-003', params: { imageId: ASCEND_212, confirmDataLoss: true } });
      expect(await server('srv-003')).toMatchObject({ status: 'STOPPED', task: 'SWITCHING_OS', allowedOperations: ['sync', 'rename'], image: { id: ASCEND_210 } });
      for (const [path, body] of [
        ['start', {}],
        ['reset-os', { confirmDataLoss: true }],
        ['switch-os', { imageId: ASCEND_212, confirmDataLoss: true }],
        ['images', { name: 'while-switching' }],
      ] as const) {
        const refused = await t.http.post(`/v1/servers/srv-003/${path}`).set(auth()).send(body).expect(409);
        expect(refused.body.error).toMatchObject({ code: 'INVALID_STATE', details: { currentStatus: 'STOPPED', task: 'SWITCHING_OS' } });
      }
      const accepted = await audit(`operationId=${r.body.id}`);
      expect(accepted).toEqual([expect.objectContaining({ type: 'ACTION', action: 'server.switch-os', outcome: 'ACCEPTED', details: { params: { imageId: ASCEND_212, confirmDataLoss: true }, idempotencyKey: null } })]);
    });

    it('accepts create-image: the image exists at once as CREATING, the server shows CREATING_IMAGE', async () => {
      const r = await t.http.post('/v1/servers/srv-007/images').set(auth()).set('Idempotency-Key', 'capture-007').send({ name: 'PyTorch Team Env', description: 'torch 2.3 + CANN 8' }).expect(202);
      expect(r.body).toMatchObject({ type: 'CREATE_IMAGE', serverId: 'srv-007', params: { name: 'PyTorch Team Env', description: 'torch 2.3 + CANN 8', imageId: expect.stringMatching(/^img-/) } });
      const imageId = r.body.params.imageId;
      const img = await image(imageId);
      expect(img).toMatchObject({
        id: imageId,
        name: 'PyTorch Team Env',
        type: 'CUSTOM',
        status: 'CREATING',
        architecture: 'AARCH64',
        accelerator: 'NPU',
        osFamily: 'EulerOS',
        poolId: 'pool-ascend-a',
        sourceServerId: 'srv-007',
        createdBy: expect.stringMatching(/.+/),
        failureReason: null,
      });
      expect(Date.parse(img.createdAt)).not.toBeNaN();
      expect(await server('srv-007')).toMatchObject({ status: 'STOPPED', task: 'CREATING_IMAGE' });
      // A retry with the same key replays the same operation and image.
      const again = await t.http.post('/v1/servers/srv-007/images').set(auth()).set('Idempotency-Key', 'capture-007').send({ name: 'PyTorch Team Env', description: 'torch 2.3 + CANN 8' }).expect(202);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toMatchObject({ id: r.body.id, params: { imageId } });
      // An image still being captured cannot be installed or deleted.
      const del = await t.http.delete(`/v1/images/${imageId}`).set(auth()).expect(409);
      expect(del.body.error).toMatchObject({ code: 'IMAGE_IN_USE', details: { operationIds: [r.body.id] } });
      const rows = await audit(`operationId=${r.body.id}`);
      expect(rows.map((e) => [e.action, e.outcome, e.resource.type, e.toStatus])).toEqual([
        ['server.create-image', 'ACCEPTED', 'server', null],
        ['image.create', 'ACCEPTED', 'image', 'CREATING'],
      ]);
      expect((await lastRejection(imageId, 'image.delete'))?.reason).toMatch(/^IMAGE_IN_USE/);
    });
  });

  describe('lifecycles through the worker', () => {
    beforeAll(async () => {
      await t.replica({ WORKER_ENABLED: 'true' });
    });

    const opOf = async (serverId: string, type: string) => (await t.http.get(`/v1/operations?serverId=${serverId}&type=${type}&limit=1`).set(auth()).expect(200)).body.items[0];

    it('switch-os ends STOPPED with the new image recorded, on the console and on the machine', async () => {
      const op = await settled(t, (await opOf('srv-003', 'SWITCH_OS')).id);
      expect(op).toMatchObject({ status: 'SUCCEEDED', error: null });
      expect(await server('srv-003')).toMatchObject({ status: 'STOPPED', task: null, image: { id: ASCEND_212, name: 'EulerOS 2.12 (Ascend NPU)' } });
      expect((await t.sim.inspect('srv-003')).imageId).toBe(ASCEND_212);
      const rows = await audit(`operationId=${op.id}`);
      expect(rows.map((e) => [e.type, e.outcome])).toEqual([
        ['ACTION', 'ACCEPTED'],
        ['ACTION', 'SUCCEEDED'],
      ]);
      expect(rows[1]).toMatchObject({ action: 'server.switch-os', actor: { type: 'SYSTEM' }, details: { previousImageId: ASCEND_210, imageId: ASCEND_212 }, reason: expect.stringMatching(/system disk erased, data disks kept/) });
    });

    it('create-image ends with the image AVAILABLE and the server STOPPED; every step audited on the image', async () => {
      const created = await opOf('srv-007', 'CREATE_IMAGE');
      const op = await settled(t, created.id);
      expect(op.status).toBe('SUCCEEDED');
      const imageId = op.params.imageId;
      expect(await image(imageId)).toMatchObject({ status: 'AVAILABLE', failureReason: null });
      expect(await server('srv-007')).toMatchObject({ status: 'STOPPED', task: null, image: { id: ASCEND_210 } });
      const rows = await audit(`operationId=${op.id}`);
      expect(rows.map((e) => [e.action, e.outcome, e.fromStatus, e.toStatus])).toEqual([
        ['server.create-image', 'ACCEPTED', null, null],
        ['image.create', 'ACCEPTED', null, 'CREATING'],
        ['server.create-image', 'SUCCEEDED', null, null],
        ['image.create', 'SUCCEEDED', 'CREATING', 'AVAILABLE'],
      ]);
      const onImage = await audit(`resourceId=${imageId}`);
      expect(onImage.map((e) => `${e.action}:${e.outcome}`)).toEqual(['image.create:ACCEPTED', 'image.delete:REJECTED', 'image.create:SUCCEEDED']);
    });

    it('a custom image installs on a compatible server of its pool, and cannot be deleted while a server runs it', async () => {
      const custom = (await opOf('srv-007', 'CREATE_IMAGE')).params.imageId;
      const r = await t.http.post('/v1/servers/srv-003/switch-os').set(auth()).send({ imageId: custom, confirmDataLoss: true }).expect(202);
      expect((await settled(t, r.body.id)).status).toBe('SUCCEEDED');
      expect(await server('srv-003')).toMatchObject({ status: 'STOPPED', task: null, image: { id: custom, name: 'PyTorch Team Env' } });
      const del = await t.http.delete(`/v1/images/${custom}`).set(auth()).expect(409);
      expect(del.body.error).toMatchObject({ code: 'IMAGE_IN_USE', details: { serverIds: ['srv-003'], operationIds: [] } });
    });

    it('reset-os reinstalls the current image: RESETTING_OS, then STOPPED with the same image', async () => {
      const before = await server('srv-003');
      const r = await t.http.post('/v1/servers/srv-003/reset-os').set(auth()).send({ confirmDataLoss: true }).expect(202);
      expect(r.body).toMatchObject({ type: 'RESET_OS', params: { confirmDataLoss: true } });
      const during = await server('srv-003');
      expect(['RESETTING_OS', null]).toContain(during.task);
      expect((await settled(t, r.body.id)).status).toBe('SUCCEEDED');
      expect(await server('srv-003')).toMatchObject({ status: 'STOPPED', task: null, image: { id: before.image.id } });
      const rows = await audit(`operationId=${r.body.id}`);
      expect(rows.map((e) => [e.action, e.outcome])).toEqual([
        ['server.reset-os', 'ACCEPTED'],
        ['server.reset-os', 'SUCCEEDED'],
      ]);
      expect(rows[1].details).toEqual({ previousImageId: before.image.id, imageId: before.image.id });
    });

    it('switch-os failing halfway ends FAILED, server STOPPED with the previous image still recorded', async () => {
      await t.http.post('/v1/simulator/servers/srv-007/fail-next').set(auth()).send({ command: 'INSTALL_OS', message: 'PXE boot of installer failed' }).expect(200);
      const r = await t.http.post('/v1/servers/srv-007/switch-os').set(auth()).send({ imageId: ASCEND_212, confirmDataLoss: true }).expect(202);
      const op = await settled(t, r.body.id);
      expect(op).toMatchObject({ status: 'FAILED', error: { code: 'INSTALL_OS_FAILED', message: 'PXE boot of installer failed' } });
      expect(await server('srv-007')).toMatchObject({ status: 'STOPPED', task: null, image: { id: ASCEND_210 } });
      expect((await t.sim.inspect('srv-007')).imageId).toBe(ASCEND_210);
      const rows = await audit(`operationId=${r.body.id}`);
      expect(rows.map((e) => [e.type, e.outcome])).toEqual([
        ['ACTION', 'ACCEPTED'],
        ['ACTION', 'FAILED'],
      ]);
      expect(rows[1]).toMatchObject({ action: 'server.switch-os', details: { errorCode: 'INSTALL_OS_FAILED' } });
      // Nothing is left half-done: the same switch can be retried.
      const retry = await t.http.post('/v1/servers/srv-007/switch-os').set(auth()).send({ imageId: ASCEND_212, confirmDataLoss: true }).expect(202);
      expect((await settled(t, retry.body.id)).status).toBe('SUCCEEDED');
      expect((await server('srv-007')).image.id).toBe(ASCEND_212);
    });

    it('reset-os failing halfway ends FAILED with the image unchanged', async () => {
      await t.http.post('/v1/simulator/servers/srv-004/fail-next').set(auth()).send({ command: 'INSTALL_OS', message: 'disk controller timeout' }).expect(200);
      const r = await t.http.post('/v1/servers/srv-004/reset-os').set(auth()).send({ confirmDataLoss: true }).expect(202);
      expect(await settled(t, r.body.id)).toMatchObject({ status: 'FAILED', error: { code: 'INSTALL_OS_FAILED' } });
      expect(await server('srv-004')).toMatchObject({ status: 'STOPPED', task: null, image: { id: CUDA_2204 } });
      expect((await audit(`operationId=${r.body.id}`)).map((e) => e.outcome)).toEqual(['ACCEPTED', 'FAILED']);
    });

    it('create-image failing halfway leaves the image FAILED with a reason; a failed image can be deleted', async () => {
      await t.http.post('/v1/simulator/servers/srv-004/fail-next').set(auth()).send({ command: 'CAPTURE_IMAGE', message: 'snapshot store full' }).expect(200);
      const r = await t.http.post('/v1/servers/srv-004/images').set(auth()).send({ name: 'cuda-env' }).expect(202);
      const imageId = r.body.params.imageId;
      expect(await settled(t, r.body.id)).toMatchObject({ status: 'FAILED', error: { code: 'CAPTURE_IMAGE_FAILED', message: 'snapshot store full' } });
      expect(await image(imageId)).toMatchObject({ status: 'FAILED', failureReason: 'CAPTURE_IMAGE_FAILED: snapshot store full', poolId: 'pool-gpu-b', accelerator: 'GPU', architecture: 'X86_64' });
      expect(await server('srv-004')).toMatchObject({ status: 'STOPPED', task: null });
      const rows = await audit(`operationId=${r.body.id}`);
      expect(rows.map((e) => [e.action, e.outcome, e.toStatus])).toEqual([
        ['server.create-image', 'ACCEPTED', null],
        ['image.create', 'ACCEPTED', 'CREATING'],
        ['server.create-image', 'FAILED', null],
        ['image.create', 'FAILED', 'FAILED'],
      ]);
      const got = await t.http.get(`/v1/images/${imageId}`).set(auth()).expect(200);
      await t.http.delete(`/v1/images/${imageId}`).set(auth()).set('If-Match', got.headers.etag).expect(204);
      await t.http.get(`/v1/images/${imageId}`).set(auth()).expect(404);
      expect(await audit(`resourceId=${imageId}&action=image.delete`)).toEqual([expect.objectContaining({ outcome: 'SUCCEEDED', resource: expect.objectContaining({ type: 'image' }) })]);
    });

    it('image names are unique per pool scope, ignoring case, and may not repeat a public name', async () => {
      const taken = await t.http.post('/v1/servers/srv-007/images').set(auth()).send({ name: 'pytorch team env' }).expect(409);
      expect(taken.body.error).toMatchObject({ code: 'NAME_TAKEN', details: { name: 'pytorch team env' } });
      expect(await lastRejection('srv-007', 'server.create-image')).toMatchObject({ reason: expect.stringMatching(/^NAME_TAKEN/) });
      await t.http.post('/v1/servers/srv-004/images').set(auth()).send({ name: 'Ubuntu 22.04 (NVIDIA GPU)' }).expect(409);
      // Another pool is another scope.
      const other = await t.http.post('/v1/servers/srv-004/images').set(auth()).send({ name: 'PyTorch Team Env' }).expect(202);
      expect((await settled(t, other.body.id)).status).toBe('SUCCEEDED');
      expect(await server('srv-004')).toMatchObject({ task: null });
    });

    it('lists public and custom images with filters, scoped to the caller pools', async () => {
      const custom = (await t.http.get('/v1/images?type=CUSTOM&status=AVAILABLE').set(auth()).expect(200)).body.items;
      expect(custom.map((i: { poolId: string }) => i.poolId).sort()).toEqual(['pool-ascend-a', 'pool-gpu-b']);
      const gpu = (await t.http.get('/v1/images?accelerator=GPU&architecture=X86_64').set(auth()).expect(200)).body.items;
      expect(gpu.every((i: { accelerator: string; architecture: string }) => i.accelerator === 'GPU' && i.architecture === 'X86_64')).toBe(true);
      expect(gpu.map((i: { type: string }) => i.type)).toEqual(expect.arrayContaining(['PUBLIC', 'CUSTOM']));
      const gpuViewer = await t.key('viewer', ['pool-gpu-b']);
      const seen = (await t.http.get('/v1/images').set(bearer(gpuViewer)).expect(200)).body.items;
      expect(seen.filter((i: { type: string }) => i.type === 'CUSTOM').every((i: { poolId: string }) => i.poolId === 'pool-gpu-b')).toBe(true);
      expect(seen.filter((i: { type: string }) => i.type === 'PUBLIC')).toHaveLength(4);
      const ascendCustom = custom.find((i: { poolId: string }) => i.poolId === 'pool-ascend-a');
      await t.http.get(`/v1/images/${ascendCustom.id}`).set(bearer(gpuViewer)).expect(404);
      await t.http.get('/v1/images?status=DONE').set(auth()).expect(400);
    });

    it('PATCH renames and re-describes a custom image with If-Match; refuses stale versions, taken names and public images', async () => {
      const custom = (await opOf('srv-007', 'CREATE_IMAGE')).params.imageId;
      const got = await t.http.get(`/v1/images/${custom}`).set(auth()).expect(200);
      expect(got.headers.etag).toBe(`"${custom}.v${got.body.version}"`);
      const r = await t.http.patch(`/v1/images/${custom}`).set(auth()).set('If-Match', got.headers.etag).send({ name: 'Team Env v2', description: 'renamed' }).expect(200);
      expect(r.body).toMatchObject({ name: 'Team Env v2', description: 'renamed', version: got.body.version + 1 });
      expect(r.headers.etag).toBe(`"${custom}.v${r.body.version}"`);
      // The server running it shows the new name.
      expect((await server('srv-003')).image).toEqual({ id: custom, name: 'Team Env v2' });
      const stale = await t.http.patch(`/v1/images/${custom}`).set(auth()).set('If-Match', got.headers.etag).send({ description: 'lost update' }).expect(412);
      expect(stale.body.error.code).toBe('PRECONDITION_FAILED');
      await t.http.patch(`/v1/images/${custom}`).set(auth()).send({ name: 'EulerOS 2.10 (Ascend NPU)' }).expect(409);
      await t.http.patch(`/v1/images/${custom}`).set(auth()).send({}).expect(400);
      await t.http.patch(`/v1/images/${custom}`).set(auth()).send({ status: 'AVAILABLE' }).expect(400);
      await t.http.patch(`/v1/images/${custom}`).set(bearer(operator)).send({ name: 'nope' }).expect(403);
      const pub = await t.http.patch(`/v1/images/${ASCEND_210}`).set(auth()).send({ name: 'mine now' }).expect(403);
      expect(pub.body.error.code).toBe('PUBLIC_IMAGE_READ_ONLY');
      expect((await t.http.delete(`/v1/images/${ASCEND_210}`).set(auth()).expect(403)).body.error.code).toBe('PUBLIC_IMAGE_READ_ONLY');
      await t.http.delete('/v1/images/img-nope').set(auth()).expect(404);
      const rows = await audit(`resourceId=${custom}&action=image.update`);
      expect(rows.map((e) => e.outcome)).toEqual(['SUCCEEDED', 'REJECTED', 'REJECTED', 'REJECTED', 'REJECTED', 'DENIED']);
      expect(rows[0].details).toEqual({ before: { name: 'PyTorch Team Env', description: 'torch 2.3 + CANN 8' }, after: { name: 'Team Env v2', description: 'renamed' } });
    });
  });

  describe('races', () => {
    it('two captures with the same name in one pool: exactly one is accepted, the other gets NAME_TAKEN', async () => {
      const body = { name: 'Race Env' };
      const [a, b] = await Promise.all([
        t.http.post('/v1/servers/srv-003/images').set(auth()).send(body),
        t.http.post('/v1/servers/srv-007/images').set(auth()).send(body),
      ]);
      expect([a.status, b.status].sort()).toEqual([202, 409]);
      const winner = a.status === 202 ? a : b;
      expect((a.status === 409 ? a : b).body.error.code).toBe('NAME_TAKEN');
      expect((await settled(t, winner.body.id)).status).toBe('SUCCEEDED');
      expect((await t.http.get('/v1/images?type=CUSTOM').set(auth())).body.items.filter((i: { name: string }) => i.name === 'Race Env')).toHaveLength(1);
      // The backstop the loser may have hit: a unique index on (pool scope, lower(name)), which the service maps to NAME_TAKEN.
      const dup = { id: 'img-dup', name: 'RACE ENV', type: 'CUSTOM', osFamily: 'EulerOS', osVersion: '2.10', architecture: 'AARCH64', accelerator: 'NPU', poolId: 'pool-ascend-a' } as const;
      await expect(t.prisma.image.create({ data: dup })).rejects.toMatchObject({ code: 'P2002' });
      await t.prisma.image.create({ data: { ...dup, poolId: 'pool-gpu-b', architecture: 'X86_64', accelerator: 'GPU' } });
    });

    it('deleting an image while a switch to it is requested: never both', async () => {
      const imageId = (await t.http.get('/v1/images?type=CUSTOM').set(auth())).body.items.find((i: { name: string }) => i.name === 'Race Env').id;
      const target = 'srv-003'; // STOPPED, idle, same pool, runs another image
      const [del, sw] = await Promise.all([
        t.http.delete(`/v1/images/${imageId}`).set(auth()),
        t.http.post(`/v1/servers/${target}/switch-os`).set(auth()).send({ imageId, confirmDataLoss: true }),
      ]);
      if (sw.status === 202) {
        expect(del.status).toBe(409);
        expect((await settled(t, sw.body.id)).status).toBe('SUCCEEDED');
        expect((await server(target)).image.id).toBe(imageId);
      } else {
        expect(del.status).toBe(204);
        expect(sw.status).toBe(404);
        expect((await server(target)).task).toBeNull();
      }
    });
  });
});
