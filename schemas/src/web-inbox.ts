import { z } from "zod";
import { SOCKET_TICKET_PATTERN } from "./browser.js";

// The web inbox (`GET /inbox`): a page of the gateway that uses the inbox API
// with the browser session (cookie + CSRF header) and a v2 socket opened with
// a single-use ticket (browser.ts).

/** `POST /api/web/socket-ticket` (session cookie + `X-CSRF-Token`, same origin, no body). */
export const SocketTicketResponse = z
  .object({
    ticket: z.string().regex(SOCKET_TICKET_PATTERN).meta({
      description:
        "Single use. Offer it as the subprotocol `ticket.<ticket>` beside `analyst-notifications.v2` when opening /ws/notifications; never put it in a URL.",
    }),
    expires_in: z.number().int().min(1).meta({ description: "Seconds until the ticket is refused." }),
  })
  .meta({ id: "SocketTicketResponse", title: "SocketTicketResponse" });
export type SocketTicketResponse = z.infer<typeof SocketTicketResponse>;
