package org.hitbank.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.hitbank.base.HitbankException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteErrorCode;

/**
 * The embedded store: one SQLite file ({@code <dataDir>/hitbank.db}) in WAL mode with
 * {@code synchronous=FULL}, so a committed transaction survives {@code kill -9} and power loss.
 * Several processes may open it at once (the server and the admin CLI): SQLite serialises writers
 * and every write transaction starts {@code BEGIN IMMEDIATE}, issued here, not by the driver.
 *
 * <p>{@link #write} is the transaction runner for every state change. It retries a transaction
 * only while nothing can have been committed: when {@code BEGIN IMMEDIATE} or the callback failed
 * with {@code SQLITE_BUSY} (then it rolls back), a bounded number of times, keeping each failure as
 * a suppressed exception, and then gives up with {@link StoreBusyException}. Once {@code COMMIT}
 * has been sent it never retries: a failed commit is a {@link CommitUnknownException}, whose
 * outcome is unknown. (The driver's own IMMEDIATE mode is not used: it sends {@code COMMIT} and a
 * new {@code BEGIN IMMEDIATE} together, and a busy error from the second looked like a failed
 * commit.) The callback must have no effects outside the transaction. Thread-safe.
 */
public final class Store implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Store.class);
    private static final int RETRIES_MAX = 5;
    private static final int BUSY_TIMEOUT_MILLIS = 10_000;

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    /**
     * Serialises this process's writers before SQLite does: SQLite's busy handler makes a
     * waiting writer sleep in steps of milliseconds, which costs more than the wait itself.
     * Other processes (the admin CLI) still meet SQLite's lock and busy timeout.
     */
    private final ReentrantLock writeLock = new ReentrantLock();

    private Store(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
    }

    /**
     * Opens (creating if needed) the store under {@code dataDir} and migrates it to the current
     * schema.
     *
     * @throws HitbankException when the directory cannot be created or the file cannot be opened
     */
    public static Store open(Path dataDir) {
        try {
            if (!Files.isDirectory(dataDir)) {
                // The store holds requesters' secret keys: only its owner may read it.
                Files.createDirectories(dataDir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
        } catch (java.io.IOException e) {
            throw new HitbankException("cannot create data directory " + dataDir + ": " + e, e);
        }
        SQLiteConfig sqlite = new SQLiteConfig();
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        sqlite.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        sqlite.enforceForeignKeys(true);
        SQLiteDataSource sqliteDataSource = new SQLiteDataSource(sqlite);
        sqliteDataSource.setUrl("jdbc:sqlite:" + dataDir.resolve("hitbank.db").toAbsolutePath());

        HikariConfig hikari = new HikariConfig();
        hikari.setDataSource(sqliteDataSource);
        hikari.setMaximumPoolSize(4);
        hikari.setPoolName("hitbank-sqlite");
        HikariDataSource dataSource = new HikariDataSource(hikari);
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/sqlite")
                .load()
                .migrate();
        return new Store(dataSource);
    }

    /**
     * Runs {@code callback} in one {@code BEGIN IMMEDIATE} transaction, retrying while nothing can
     * have been committed.
     *
     * @throws StoreBusyException when every try found the database busy; nothing was committed
     * @throws CommitUnknownException when {@code COMMIT} failed; the outcome is unknown
     */
    public <T, X extends Exception> T write(HandleCallback<T, X> callback) throws X {
        StoreBusyException busy = null;
        for (int attempt = 1; attempt <= RETRIES_MAX; attempt++) {
            writeLock.lock();
            try {
                return jdbi.withHandle(handle -> inTransaction(handle, callback));
            } catch (RuntimeException e) {
                if (e instanceof CommitUnknownException || !isBusy(e)) {
                    if (busy != null) {
                        e.addSuppressed(busy);
                    }
                    throw e;
                }
                if (busy == null) {
                    busy = new StoreBusyException("database busy after " + RETRIES_MAX + " tries");
                }
                busy.addSuppressed(e);
                LOG.debug("SQLITE_BUSY on attempt {}", attempt);
            } finally {
                writeLock.unlock();
            }
        }
        throw busy;
    }

    private static <T, X extends Exception> T inTransaction(Handle handle,
                                                           HandleCallback<T, X> callback)
            throws X {
        handle.execute("BEGIN IMMEDIATE");
        T result;
        try {
            result = callback.withHandle(handle);
        } catch (Exception | Error e) {
            try {
                handle.execute("ROLLBACK");
            } catch (RuntimeException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
        try {
            handle.execute("COMMIT");
        } catch (RuntimeException e) {
            try {
                handle.execute("ROLLBACK");
            } catch (RuntimeException rollback) {
                e.addSuppressed(rollback);
            }
            throw new CommitUnknownException(e);
        }
        return result;
    }

    /** Runs {@code callback} on a handle without a write transaction (autocommit reads). */
    public <T, X extends Exception> T read(HandleCallback<T, X> callback) throws X {
        return jdbi.withHandle(callback);
    }

    private static boolean isBusy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                int code = sql.getErrorCode();
                if (code == SQLiteErrorCode.SQLITE_BUSY.code
                        || code == SQLiteErrorCode.SQLITE_LOCKED.code
                        || (code & 0xff) == SQLiteErrorCode.SQLITE_BUSY.code) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        dataSource.close();
    }

    /** A {@code COMMIT} failed: the transaction may or may not have been committed. */
    public static final class CommitUnknownException extends HitbankException {
        CommitUnknownException(Throwable cause) {
            super("COMMIT failed; the transaction's outcome is unknown", cause);
        }
    }

    /** Thrown when a write transaction found the database busy on every try; nothing changed. */
    public static final class StoreBusyException extends HitbankException {
        public StoreBusyException(String message) {
            super(message);
        }
    }
}
