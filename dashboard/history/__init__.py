"""History: every observed revision and every Event about watched objects, in the database."""
