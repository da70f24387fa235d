-- Two-factor authentication (Sentry's `Authenticator`): a user's authenticator app (TOTP) and
-- their single-use recovery codes. A user has one or none.

CREATE TABLE user_authenticators (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The TOTP secret, base32: the server must read it to check codes, so it cannot be hashed.
    totp_secret     TEXT    NOT NULL,
    -- JSON array of the SHA-256 hashes of the recovery codes not used yet.
    recovery_hashes TEXT    NOT NULL,
    -- The last 30-second step whose code was accepted: a code is accepted once.
    last_used_step  INTEGER,
    date_created    INTEGER NOT NULL,
    last_used_at    INTEGER
);
