/**
 * The local address this machine would use to reach a target, learned without sending
 * anything: connect() on a UDP socket only asks the kernel for a route and binds the
 * socket to that route's source address (no datagram leaves). A scan run records these as
 * its source address ("from where"), which probes alone cannot give when no port is open:
 * a refused or unanswered connect leaves no socket to ask.
 */
import { createSocket, type Socket } from 'node:dgram';

export function routeSource(addr: string, family: 4 | 6): Promise<string | null> {
  return new Promise((resolve) => {
    let s: Socket;
    try {
      s = createSocket(family === 6 ? 'udp6' : 'udp4');
    } catch {
      return resolve(null);
    }
    let settled = false;
    const done = (v: string | null): void => {
      if (settled) return;
      settled = true;
      try {
        s.close();
      } catch {
        // already closed
      }
      resolve(v);
    };
    // No route (ENETUNREACH) and the like arrive as an error: no source address then.
    s.once('error', () => done(null));
    try {
      // Port 9 (discard); nothing is sent, the port only completes the address.
      s.connect(9, addr, () => {
        try {
          done(s.address().address);
        } catch {
          done(null);
        }
      });
    } catch {
      done(null);
    }
  });
}
