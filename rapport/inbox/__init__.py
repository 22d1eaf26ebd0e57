"""E-mail in: the shared mailbox polled over IMAP, replies on the timeline, bounces."""
