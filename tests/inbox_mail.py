"""Messages that arrive in the team inbox in the inbox tests: what real servers send, as bytes."""

from __future__ import annotations

INBOX_ADDRESS = "partners@yourstartup.example"  # the team inbox of the tests' sample team


def dsn(address: str) -> bytes:
    """A Postfix-shaped delivery status notification (RFC 3464) for `address`."""
    diagnostic = f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
    return (
        "From: MAILER-DAEMON@mx.yourstartup.example (Mail Delivery System)\r\n"
        f"To: {INBOX_ADDRESS}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Thu, 26 Nov 2026 09:40:00 +0000\r\n"
        "Message-ID: <20261126094000.ABC@mx.yourstartup.example>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.\r\n\r\n"
        f"<{address}>: host mx.partner.example said: {diagnostic}\r\n\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.yourstartup.example\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nOriginal-Recipient: rfc822;{address}\r\n"
        f"Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; {diagnostic}\r\n\r\n"
        "--b1--\r\n"
    ).encode()
