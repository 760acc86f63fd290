/**
 * The `socket` audit device: lines over a TCP or Unix stream socket. A closed or refused
 * connection makes the write fail (and so the request, when no other device records it); the next
 * write connects again, so the device recovers when the listener returns.
 */
import { connect, type Socket } from 'node:net';
import type { AuditSink } from './device.js';

const CONNECT_TIMEOUT_MS = 2_000;
const WRITE_TIMEOUT_MS = 2_000;

export class SocketDevice implements AuditSink {
  #socket: Socket | undefined;
  #connecting: Promise<Socket> | undefined;

  constructor(
    readonly address: string,
    readonly socketType: 'tcp' | 'unix',
  ) {}

  async write(line: string): Promise<void> {
    const socket = await this.#connected();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('audit socket write timed out')), WRITE_TIMEOUT_MS);
        socket.write(line, (error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
      });
    } catch (error) {
      this.#drop(socket);
      throw error;
    }
  }

  reopen(): void {
    if (this.#socket) this.#drop(this.#socket);
  }

  async close(): Promise<void> {
    const socket = this.#socket ?? (await this.#connecting?.catch(() => undefined));
    if (socket) {
      this.#drop(socket);
      socket.end();
    }
  }

  #connected(): Promise<Socket> {
    const socket = this.#socket;
    if (socket && !socket.destroyed && socket.writable) return Promise.resolve(socket);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #connect(): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const options = this.socketType === 'unix' ? { path: this.address } : hostPort(this.address);
      const socket = connect(options);
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new Error('audit socket connect timed out')), CONNECT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.#socket = socket;
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      // Once connected, an end or error means the next write connects again.
      socket.on('close', () => {
        if (this.#socket === socket) this.#socket = undefined;
      });
      socket.on('end', () => this.#drop(socket));
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      socket.unref();
    });
  }

  #drop(socket: Socket): void {
    if (this.#socket === socket) this.#socket = undefined;
    socket.destroy();
  }
}

/** `host:port` or `[v6]:port`; validated when the device is enabled. */
export function hostPort(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  if (!match) throw new Error(`address ${JSON.stringify(address)} is not HOST:PORT`);
  const port = Number(match[3]);
  if (port < 1 || port > 65535) throw new Error(`address ${JSON.stringify(address)} has an invalid port`);
  return { host: (match[1] ?? match[2]) as string, port };
}
