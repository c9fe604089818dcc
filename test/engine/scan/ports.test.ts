/** Port specs and the ranked list. */
import { describe, expect, it } from 'vitest';
import { countPorts, curatedPortCount, parsePortSpec, portName, PortSpecError, topPorts } from '../../../electron/engine/scan/ports';
import { guessService, printable } from '../../../electron/engine/scan/banner';

describe('port specs', () => {
  it('lists and ranges, in the order given, without duplicates', () => {
    expect(parsePortSpec('22,80,8000-8003,80')).toEqual([22, 80, 8000, 8001, 8002, 8003]);
    expect(parsePortSpec(' 443 , 22 ')).toEqual([443, 22]);
  });
  it('all is 1-65535; open-ended ranges', () => {
    const all = parsePortSpec('all');
    expect(all).toHaveLength(65535);
    expect(all[0]).toBe(1);
    expect(parsePortSpec('65530-')).toEqual([65530, 65531, 65532, 65533, 65534, 65535]);
    expect(parsePortSpec('-3')).toEqual([1, 2, 3]);
  });
  it('top:N takes the first N of the ranked list', () => {
    expect(parsePortSpec('top:5')).toEqual(topPorts(5));
    expect(parsePortSpec('top:1000')).toHaveLength(1000);
    expect(new Set(topPorts(65535)).size).toBe(65535);
    expect(parsePortSpec('top:3,8080')).toEqual([...topPorts(3), ...(topPorts(3).includes(8080) ? [] : [8080])]);
  });
  it('the ranked list starts with the hand-ranked services, then system ports ascending', () => {
    const curated = curatedPortCount();
    expect(curated).toBeGreaterThan(200);
    const top = topPorts(1024 + curated);
    expect(top.slice(0, 3)).toEqual([80, 443, 22]);
    const rest = top.slice(curated, curated + 20);
    expect([...rest].sort((a, b) => a - b)).toEqual(rest);
    expect(Math.max(...topPorts(1000))).toBeGreaterThan(1000);
  });
  it('clear errors for bad specs', () => {
    expect(() => parsePortSpec('')).toThrow(PortSpecError);
    expect(() => parsePortSpec('0')).toThrow(/outside 1-65535/);
    expect(() => parsePortSpec('70000')).toThrow(/outside/);
    expect(() => parsePortSpec('90-80')).toThrow(/backwards/);
    expect(() => parsePortSpec('http')).toThrow(/not a port/);
    expect(() => parsePortSpec('top:0')).toThrow(/between/);
    expect(countPorts('1-10')).toEqual({ count: 10 });
    expect(countPorts('x')).toHaveProperty('error');
  });
  it('names ports from the list', () => {
    expect(portName(22)).toBe('ssh');
    expect(portName(40000)).toBeNull();
  });
});

describe('banners', () => {
  it('keeps printable text and escapes the rest', () => {
    expect(printable(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'))).toBe('SSH-2.0-OpenSSH_9.6\\r\\n');
    expect(printable(Buffer.from([0x4a, 0x00, 0xff, 0x5c]))).toBe('J\\x00\\xff\\\\');
  });
  it('guesses the service from the greeting, else from the port', () => {
    expect(guessService(Buffer.from('SSH-2.0-x\r\n'), 2222)).toBe('ssh');
    expect(guessService(Buffer.from('220 mail.example ESMTP Postfix\r\n'), 2525)).toBe('smtp');
    expect(guessService(Buffer.from('220 (vsFTPd 3.0.5)\r\n'), 2121)).toBe('ftp');
    expect(guessService(Buffer.from([0x4a, 0, 0, 0, 0x0a, 0x38, 0x2e]), 3307)).toBe('mysql');
    expect(guessService(null, 443)).toBe('https');
    expect(guessService(null, 40000)).toBeNull();
  });
});
