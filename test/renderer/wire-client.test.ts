import { describe, expect, it, vi } from 'vitest';
import { EventHub, PendingCalls, RemoteError, backoffDelay, buildUploadUrl, buildWsUrl, parseServerFrame, readToken, uploadError } from '../../renderer/src/platform/wire-client';
import { jobSnapshot } from './memory-engine';

describe('URLs', () => {
  it('reads the token from the page query string', () => {
    expect(readToken('?token=abc123&x=1')).toBe('abc123');
    expect(readToken('?x=1')).toBeNull();
    expect(readToken('?token=')).toBeNull();
  });
  it('builds the WebSocket URL on the page origin, wss for https', () => {
    expect(buildWsUrl({ protocol: 'http:', host: '127.0.0.1:4173' }, 'a b')).toBe('ws://127.0.0.1:4173/api/ws?token=a%20b');
    expect(buildWsUrl({ protocol: 'https:', host: 'example.test' }, 't')).toBe('wss://example.test/api/ws?token=t');
  });
  it('encodes the file name into the upload URL', () => {
    expect(buildUploadUrl('my capture&1.pcap')).toBe('/api/upload?name=my%20capture%261.pcap');
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, with jitter down to half', () => {
    const top = () => 1;
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 500, 15_000, top))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(20, 500, 15_000, top)).toBe(15_000);
    expect(backoffDelay(2, 500, 15_000, () => 0)).toBe(1000);
  });
});

describe('parseServerFrame', () => {
  it('accepts results and events', () => {
    expect(parseServerFrame('{"t":"result","id":3,"ok":true,"value":[1]}')).toEqual({ t: 'result', id: 3, ok: true, value: [1] });
    expect(parseServerFrame('{"t":"result","id":4,"ok":false,"error":{"name":"X","message":"y"}}')).toMatchObject({ ok: false, error: { name: 'X' } });
    expect(parseServerFrame('{"t":"event","event":"services.changed","payload":{}}')).toMatchObject({ t: 'event' });
  });
  it('rejects anything else without throwing', () => {
    for (const bad of ['not json', '{"t":"call","id":1}', '{"t":"result","id":"1","ok":true}', '{"t":"result","id":1,"ok":false}', '']) {
      expect(parseServerFrame(bad)).toBeNull();
    }
    expect(parseServerFrame(new ArrayBuffer(4))).toBeNull();
  });
});

describe('PendingCalls', () => {
  it('resolves a call with its schema-checked result', async () => {
    const p = new PendingCalls();
    const call = p.add(1, 'jobs.list');
    expect(p.settle({ t: 'result', id: 1, ok: true, value: [jobSnapshot({ id: 'j1' })] })).toBe(true);
    await expect(call).resolves.toHaveLength(1);
    expect(p.size).toBe(0);
  });
  it('rejects with the remote {name, message}', async () => {
    const p = new PendingCalls();
    const call = p.add(2, 'ingest.start');
    p.settle({ t: 'result', id: 2, ok: false, error: { name: 'InvalidInput', message: 'paths required' } });
    await expect(call).rejects.toMatchObject({ name: 'InvalidInput', message: 'paths required' });
  });
  it('rejects a result that breaks the contract', async () => {
    const p = new PendingCalls();
    const call = p.add(3, 'services.list');
    p.settle({ t: 'result', id: 3, ok: true, value: { rows: 'nope' } });
    await expect(call).rejects.toMatchObject({ name: 'ProtocolError' });
  });
  it('ignores results nobody waits for, and rejects everything on close', async () => {
    const p = new PendingCalls();
    expect(p.settle({ t: 'result', id: 9, ok: true, value: null })).toBe(false);
    const a = p.add(1, 'app.info');
    const b = p.add(2, 'jobs.list');
    p.rejectAll(new RemoteError({ name: 'Disconnected', message: 'gone' }));
    await expect(a).rejects.toMatchObject({ name: 'Disconnected' });
    await expect(b).rejects.toMatchObject({ name: 'Disconnected' });
  });
});

describe('EventHub', () => {
  it('delivers valid payloads to the listeners of that event only', () => {
    const hub = new EventHub();
    const changed = vi.fn();
    const jobs = vi.fn();
    const off = hub.on('services.changed', changed);
    hub.on('job.updated', jobs);
    expect(hub.emit('services.changed', { added: 2, updated: 1 })).toBeNull();
    expect(changed).toHaveBeenCalledWith({ added: 2, updated: 1 });
    expect(jobs).not.toHaveBeenCalled();
    off();
    hub.emit('services.changed', { added: 0, updated: 0 });
    expect(changed).toHaveBeenCalledTimes(1);
  });
  it('reports unknown events and bad payloads instead of delivering them', () => {
    const hub = new EventHub();
    const l = vi.fn();
    hub.on('services.changed', l);
    expect(hub.emit('nope', {})).toMatch(/unknown event/);
    expect(hub.emit('services.changed', { added: 'x' })).toMatch(/bad services.changed/);
    expect(l).not.toHaveBeenCalled();
  });
  it('keeps delivering when one listener throws', () => {
    const hub = new EventHub();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const good = vi.fn();
    hub.on('services.changed', () => {
      throw new Error('broken');
    });
    hub.on('services.changed', good);
    hub.emit('services.changed', { added: 1, updated: 0 });
    expect(good).toHaveBeenCalled();
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });
});

describe('uploadError', () => {
  it('reads {name, message} bodies, flat or nested', () => {
    expect(uploadError(400, '{"name":"InvalidCapture","message":"not a pcap"}', 'a.pcap')).toEqual({ name: 'InvalidCapture', message: 'not a pcap' });
    expect(uploadError(413, '{"error":{"name":"TooLarge","message":"limit"}}', 'a.pcap')).toEqual({ name: 'TooLarge', message: 'limit' });
  });
  it('falls back to the status and text', () => {
    expect(uploadError(403, 'forbidden', 'a.pcap')).toEqual({ name: 'UploadFailed', message: 'upload of a.pcap failed (HTTP 403): forbidden' });
  });
});
