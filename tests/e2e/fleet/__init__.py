"""The fleet end to end: N `soko web` workers and a guarded `soko scheduler` (with its hot
standby) on one PostgreSQL database, their photos on S3 (moto), against the fake Bot API."""
