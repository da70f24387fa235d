-- Sentry's `require2FA` organization setting: members without two-factor authentication are
-- refused the organization's data until they set it up.
ALTER TABLE organizations ADD COLUMN require_2fa INTEGER NOT NULL DEFAULT 0;
