"""Django's EMAIL_BACKEND: every `send_mail` of Rapport (task reminders, password resets)
becomes a `Message`, delivered by the messaging job, or kept in the outbox with no server."""

import uuid

from django.core.mail.backends.base import BaseEmailBackend


class MessagingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        # Imported here: settings name this module before the apps are loaded.
        from rapport.messaging.services import email_send

        count = 0
        for email in email_messages:
            html = ""
            for content, mimetype in getattr(email, "alternatives", []) or []:
                if mimetype == "text/html":
                    html = content
            for recipient in email.recipients():
                email_send(
                    to_address=recipient,
                    subject=str(email.subject),
                    body_text=str(email.body),
                    body_html=html,
                    send_key=f"django:{uuid.uuid4().hex}",
                    origin="django",
                    headers={str(k): str(v) for k, v in (email.extra_headers or {}).items()},
                )
            count += 1
        return count
