package io.outboxrelay.legacy.order;

import java.sql.Connection;
import java.sql.SQLException;

/** Runs work as one local transaction on a connection the caller owns. */
final class Transactions {

    interface Work<T> {
        T run() throws SQLException;
    }

    private Transactions() {
    }

    /**
     * Commits if {@code work} returns, rolls back if it throws anything, and leaves the connection in
     * autocommit again either way (a pooled connection goes back clean).
     *
     * @throws IllegalStateException if the connection already has a transaction open: committing
     *                               would commit the caller's unrelated work with ours
     */
    static <T> T inTransaction(Connection connection, Work<T> work) throws SQLException {
        if (!connection.getAutoCommit()) {
            throw new IllegalStateException("connection is already in a transaction; the order service commits its own");
        }
        connection.setAutoCommit(false);
        T result;
        try {
            result = work.run();
            connection.commit();
        }
        catch (Throwable failure) {
            // keep the original failure; a broken connection may also fail to roll back
            try {
                connection.rollback();
                connection.setAutoCommit(true);
            }
            catch (SQLException cleanupFailure) {
                failure.addSuppressed(cleanupFailure);
            }
            throw failure;
        }
        connection.setAutoCommit(true);
        return result;
    }
}
