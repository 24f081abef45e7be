"""The Stripe adapter's web side: the signed webhook."""
