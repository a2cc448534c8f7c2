-- Indexes for the invariant check (hitbank check, and after every end-to-end test): without
-- them its per-account, per-bonus and per-assignment sums scan the whole transfer table.
CREATE INDEX transfer_by_debit ON transfer (debit_account_id);
CREATE INDEX transfer_by_bonus ON transfer (bonus_id) WHERE bonus_id IS NOT NULL;
CREATE INDEX transfer_by_assignment ON transfer (assignment_id, kind)
    WHERE assignment_id IS NOT NULL;
