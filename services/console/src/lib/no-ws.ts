// The browser build's stand-in for the `ws` package: @muster/client only imports `ws` under Node,
// and the console always passes the browser's own WebSocket.
export const WebSocket = globalThis.WebSocket;
export default WebSocket;
