"""WhatsApp through Twilio: signed webhooks in, the outbox out, within WhatsApp's rules.

- `webhook`  POST /webhooks/twilio/whatsapp: verify, record once, answer empty TwiML, process.
- `inbound`  Twilio's form → the engine's `Inbound`; `media` downloads photos safely.
- `processing` photos fetched after the answer, then the engine; the sweep after a crash.
- `render`   `Outbound` → Twilio messages (text parts, image URL, buttons or a numbered menu).
- `window`   the 24-hour customer-service window; held messages.
- `templates` content templates (buttons, lists, utility notifications) and their SIDs.
- `delivery` outbox → Twilio REST, throttled, retried; `status` the delivery callbacks.
"""
