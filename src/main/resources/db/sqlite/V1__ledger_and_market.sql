-- Hitbank schema, version 1: the ledger (accounts, transfers) and the market (requesters,
-- workers, HIT types, HITs, assignments, bonuses, idempotency tokens). Money is INTEGER cents.

CREATE TABLE requester (
    requester_id      TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    access_key_id     TEXT NOT NULL UNIQUE,
    secret_access_key TEXT NOT NULL,
    created_millis    INTEGER NOT NULL
);

CREATE TABLE worker (
    worker_id      TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    secret_sha256  TEXT NOT NULL,
    created_millis INTEGER NOT NULL
);

-- balance_cents = credits - debits. Only the 'external' account may go negative.
CREATE TABLE account (
    account_id      TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    owner_id        TEXT,
    balance_cents   INTEGER NOT NULL DEFAULT 0,
    may_go_negative INTEGER NOT NULL DEFAULT 0,
    CHECK (may_go_negative = 1 OR balance_cents >= 0)
);

-- Immutable: rows are only ever inserted. Money moves from the debit to the credit account.
CREATE TABLE transfer (
    transfer_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    debit_account_id  TEXT NOT NULL REFERENCES account (account_id),
    credit_account_id TEXT NOT NULL REFERENCES account (account_id),
    amount_cents      INTEGER NOT NULL CHECK (amount_cents > 0),
    kind              TEXT NOT NULL,
    requester_id      TEXT,
    hit_id            TEXT,
    assignment_id     TEXT,
    bonus_id          TEXT,
    created_millis    INTEGER NOT NULL,
    CHECK (debit_account_id <> credit_account_id)
);
CREATE INDEX transfer_by_requester ON transfer (requester_id, kind);
CREATE INDEX transfer_by_credit ON transfer (credit_account_id, transfer_id);

CREATE TABLE hit_type (
    hit_type_id                  TEXT PRIMARY KEY,
    requester_id                 TEXT NOT NULL REFERENCES requester (requester_id),
    title                        TEXT NOT NULL,
    description                  TEXT NOT NULL,
    keywords                     TEXT,
    reward_cents                 INTEGER NOT NULL,
    assignment_duration_seconds  INTEGER NOT NULL,
    auto_approval_delay_seconds  INTEGER NOT NULL,
    qualification_requirements   TEXT NOT NULL,
    attributes_sha256            TEXT NOT NULL,
    created_millis               INTEGER NOT NULL,
    UNIQUE (requester_id, attributes_sha256)
);

CREATE TABLE hit (
    seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
    hit_id                 TEXT NOT NULL UNIQUE,
    hit_type_id            TEXT NOT NULL REFERENCES hit_type (hit_type_id),
    requester_id           TEXT NOT NULL REFERENCES requester (requester_id),
    question               TEXT NOT NULL,
    requester_annotation   TEXT,
    max_assignments        INTEGER NOT NULL,
    reward_fee_cents       INTEGER NOT NULL,
    created_millis         INTEGER NOT NULL,
    expiration_millis      INTEGER NOT NULL,
    disposed               INTEGER NOT NULL DEFAULT 0,
    status                 TEXT NOT NULL,
    assignments_pending    INTEGER NOT NULL,
    assignments_available  INTEGER NOT NULL,
    assignments_completed  INTEGER NOT NULL,
    slots_held             INTEGER NOT NULL CHECK (slots_held >= 0)
);
CREATE INDEX hit_by_requester ON hit (requester_id, seq);
CREATE INDEX hit_by_expiration ON hit (expiration_millis) WHERE assignments_available > 0;

CREATE TABLE assignment (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment_id        TEXT NOT NULL UNIQUE,
    hit_id               TEXT NOT NULL REFERENCES hit (hit_id),
    worker_id            TEXT NOT NULL REFERENCES worker (worker_id),
    status               TEXT NOT NULL,
    accept_millis        INTEGER NOT NULL,
    deadline_millis      INTEGER NOT NULL,
    submit_millis        INTEGER,
    auto_approval_millis INTEGER,
    approval_millis      INTEGER,
    rejection_millis     INTEGER,
    answer               TEXT,
    requester_feedback   TEXT
);
CREATE INDEX assignment_by_hit ON assignment (hit_id, seq);
CREATE INDEX assignment_by_worker ON assignment (worker_id, seq);
CREATE INDEX assignment_accepted_by_deadline ON assignment (deadline_millis)
    WHERE status = 'Accepted';
CREATE INDEX assignment_submitted_by_auto_approval ON assignment (auto_approval_millis)
    WHERE status = 'Submitted';

CREATE TABLE bonus_payment (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    bonus_id       TEXT NOT NULL UNIQUE,
    requester_id   TEXT NOT NULL REFERENCES requester (requester_id),
    hit_id         TEXT NOT NULL REFERENCES hit (hit_id),
    assignment_id  TEXT NOT NULL REFERENCES assignment (assignment_id),
    worker_id      TEXT NOT NULL REFERENCES worker (worker_id),
    bonus_cents    INTEGER NOT NULL CHECK (bonus_cents > 0),
    fee_cents      INTEGER NOT NULL CHECK (fee_cents >= 0),
    reason         TEXT NOT NULL,
    grant_millis   INTEGER NOT NULL,
    request_id     TEXT NOT NULL
);
CREATE INDEX bonus_by_assignment ON bonus_payment (assignment_id, seq);
CREATE INDEX bonus_by_hit ON bonus_payment (hit_id, seq);
CREATE INDEX bonus_by_worker ON bonus_payment (worker_id, seq);

-- UniqueRequestTokens, per requester and operation. expires_millis NULL: kept forever.
CREATE TABLE idempotency_token (
    requester_id    TEXT NOT NULL,
    operation       TEXT NOT NULL,
    token           TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,
    request_id      TEXT NOT NULL,
    result_id       TEXT NOT NULL,
    created_millis  INTEGER NOT NULL,
    expires_millis  INTEGER,
    PRIMARY KEY (requester_id, operation, token)
);
CREATE INDEX idempotency_token_by_expiry ON idempotency_token (expires_millis)
    WHERE expires_millis IS NOT NULL;

INSERT INTO account (account_id, kind, owner_id, may_go_negative) VALUES ('external', 'external', NULL, 1);
INSERT INTO account (account_id, kind, owner_id, may_go_negative) VALUES ('fees', 'fees', NULL, 0);
