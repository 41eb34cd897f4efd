/**
 * A websocket that reconnects by itself, with back-off, until it is closed here, the
 * service ends the stream (close 1000: e.g. a finished run's output is all sent) or
 * refuses it (1008: an unknown run or output). Used for one run's streams; the summary
 * feed has its own in stores/live.ts.
 */

export interface SocketHandlers {
  /** The URL to (re)connect to: computed at each attempt (e.g. `start=` offsets). */
  url: () => string;
  binary?: boolean;
  onOpen?: () => void;
  onMessage: (data: string | ArrayBuffer) => void;
  /** The stream is over (1000), or refused (1008, with the reason). */
  onEnd?: (code: number, reason: string) => void;
  /** The connection dropped; it reconnects. */
  onLost?: () => void;
}

export interface LiveSocket {
  close(): void;
}

const MIN_DELAY = 250;
const MAX_DELAY = 3000;

export function openSocket(handlers: SocketHandlers): LiveSocket {
  let socket: WebSocket | null = null;
  let closed = false;
  let delay = MIN_DELAY;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function connect(): void {
    timer = null;
    if (closed) return;
    const ws = new WebSocket(handlers.url());
    if (handlers.binary) ws.binaryType = "arraybuffer";
    socket = ws;
    ws.onopen = () => {
      delay = MIN_DELAY;
      handlers.onOpen?.();
    };
    ws.onmessage = (event: MessageEvent) => {
      if (!closed) handlers.onMessage(event.data as string | ArrayBuffer);
    };
    ws.onclose = (event: CloseEvent) => {
      if (socket !== ws || closed) return;
      socket = null;
      if (event.code === 1000 || event.code === 1008) {
        closed = true;
        handlers.onEnd?.(event.code, event.reason);
        return;
      }
      handlers.onLost?.();
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, MAX_DELAY);
    };
  }

  connect();
  return {
    close(): void {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      const ws = socket;
      socket = null;
      if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
    },
  };
}
