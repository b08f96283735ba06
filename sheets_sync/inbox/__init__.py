"""The team inbox (SPEC 4a): reading one mailbox over IMAP, read-only, and classifying what came in
(a person's email, a bounce, an automatic reply, an unsubscribe). What it means for the sheet is
decided by the pure core (`sheets_sync.rules.inbox`); this package only reads and tells apart."""
