import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isHangUp, surviveHangUp } from '../../src/console/terminal.js';

const errno = (code: string) => Object.assign(new Error(`write ${code}`), { code });

describe('surviveHangUp', () => {
  it('reports the first hang-up once, whichever stream fails, and throws nothing', () => {
    const stdout = new EventEmitter();
    const stdin = new EventEmitter();
    const hangUps: string[] = [];
    const others: unknown[] = [];
    surviveHangUp([stdout, stdin], (e) => hangUps.push(e.code!), (e) => others.push(e));
    expect(() => {
      stdout.emit('error', errno('EIO'));
      stdin.emit('error', errno('EIO'));
      stdout.emit('error', errno('EPIPE'));
    }).not.toThrow();
    expect(hangUps).toEqual(['EIO']);
    expect(others).toEqual([]);
  });

  it('passes any other stream error on, and detaches', () => {
    const stdout = new EventEmitter();
    const others: unknown[] = [];
    const detach = surviveHangUp([stdout], () => {}, (e) => others.push(e));
    const full = errno('ENOSPC');
    stdout.emit('error', full);
    expect(others).toEqual([full]);
    detach();
    expect(stdout.listenerCount('error')).toBe(0);
  });

  it('knows a hang-up by its code', () => {
    expect(isHangUp(errno('EIO'))).toBe(true);
    expect(isHangUp(errno('EPIPE'))).toBe(true);
    expect(isHangUp(errno('ENOENT'))).toBe(false);
    expect(isHangUp(new Error('no code'))).toBe(false);
    expect(isHangUp(null)).toBe(false);
  });
});
