"""M-Pesa through Safaricom's Daraja API: the client, STK checkout and B2C payouts."""
