//! Two-factor authenticators: one row per enrolled user.

use sqlx::Row;

use super::{begin_write, SqliteStore};
use crate::store::{AuthenticatorRow, StoreError, StoreResult};
use crate::util::now_ms;

impl SqliteStore {
    pub(super) async fn authenticator_of(&self, user_id: i64) -> StoreResult<AuthenticatorRow> {
        let row = sqlx::query(
            "SELECT user_id, totp_secret, json_array_length(recovery_hashes) AS left, \
                    date_created, last_used_at \
             FROM user_authenticators WHERE user_id = ?",
        )
        .bind(user_id)
        .fetch_one(&self.reads)
        .await?;
        Ok(AuthenticatorRow {
            user_id: row.get("user_id"),
            totp_secret: row.get("totp_secret"),
            recovery_codes_left: row.get("left"),
            date_created: row.get("date_created"),
            last_used_at: row.get("last_used_at"),
        })
    }

    pub(super) async fn insert_authenticator(
        &self,
        user_id: i64,
        totp_secret: &str,
        recovery_hashes: &[String],
    ) -> StoreResult<()> {
        let hashes = serde_json::to_string(recovery_hashes)
            .map_err(|err| StoreError::Corrupt(err.to_string()))?;
        sqlx::query(
            "INSERT INTO user_authenticators (user_id, totp_secret, recovery_hashes, date_created) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(user_id)
        .bind(totp_secret)
        .bind(hashes)
        .bind(now_ms())
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    pub(super) async fn delete_authenticator(&self, user_id: i64) -> StoreResult<()> {
        let deleted = sqlx::query("DELETE FROM user_authenticators WHERE user_id = ?")
            .bind(user_id)
            .execute(&self.writes)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub(super) async fn accept_totp_step(&self, user_id: i64, step: i64) -> StoreResult<bool> {
        // One statement: two logins racing with the same code cannot both pass.
        let accepted = sqlx::query(
            "UPDATE user_authenticators SET last_used_step = ?, last_used_at = ? \
             WHERE user_id = ? AND (last_used_step IS NULL OR last_used_step < ?)",
        )
        .bind(step)
        .bind(now_ms())
        .bind(user_id)
        .bind(step)
        .execute(&self.writes)
        .await?;
        Ok(accepted.rows_affected() == 1)
    }

    pub(super) async fn consume_recovery_code(
        &self,
        user_id: i64,
        code_hash: &str,
    ) -> StoreResult<bool> {
        let mut tx = begin_write(&self.writes).await?;
        let Some(row) =
            sqlx::query("SELECT recovery_hashes FROM user_authenticators WHERE user_id = ?")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(false);
        };
        let mut hashes: Vec<String> = serde_json::from_str(&row.get::<String, _>(0))
            .map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let before = hashes.len();
        hashes.retain(|hash| hash != code_hash);
        if hashes.len() == before {
            return Ok(false);
        }
        let hashes =
            serde_json::to_string(&hashes).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        sqlx::query(
            "UPDATE user_authenticators SET recovery_hashes = ?, last_used_at = ? \
             WHERE user_id = ?",
        )
        .bind(hashes)
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
