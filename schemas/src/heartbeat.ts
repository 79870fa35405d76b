/**
 * The exact heartbeat texts of every socket (legacy, v2 and the bridge's agent
 * channel): the runtime's auto-response matches them byte for byte.
 */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';
