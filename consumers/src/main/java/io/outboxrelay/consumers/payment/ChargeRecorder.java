package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import io.outboxrelay.consumers.payment.PaymentGateway.ChargeResult;
import io.outboxrelay.consumers.payment.Payments.Due;
import io.outboxrelay.consumers.payment.Payments.Status;
import io.outboxrelay.sql.OutboxWriter;
import io.outboxrelay.sql.OutboxWriter.NewEvent;

/**
 * Records the gateway's answers to the {@link PaymentCharger}'s charges: {@code COMPLETED}, or {@code FAILED} releasing
 * the reservation, each with its event. An answer it cannot record yet, because the consumer holds the row or the
 * account, it keeps for the next round; kept answers are lost in a crash, and those payments are then asked again.
 */
final class ChargeRecorder {

    private final OutboxWriter outbox;
    /** Answers not recorded yet because the credit account was busy; lost in a crash, then asked again. */
    private final Map<Due, ChargeResult> unrecorded = new LinkedHashMap<>();

    ChargeRecorder(OutboxWriter outbox) {
        this.outbox = outbox;
    }

    /** The answers kept from earlier rounds, no longer kept: to be recorded with this round's. */
    Map<Due, ChargeResult> takeUnrecorded() {
        Map<Due, ChargeResult> taken = new LinkedHashMap<>(unrecorded);
        unrecorded.clear();
        return taken;
    }

    /** How many answers are kept for the next round. */
    int unrecorded() {
        return unrecorded.size();
    }

    /**
     * Records the gateway's answers with their events in one transaction that never waits for a lock: a
     * payment row or a declined payment's credit account held by the consumer (whose batch holds the accounts
     * it reserved on until it commits) is left for the next round, its answer kept ({@link #takeUnrecorded()}).
     * Waiting instead would take as long as a consumer batch, and deadlock with it.
     */
    void record(Connection c, Map<Due, ChargeResult> answers, Instant now) throws SQLException {
        Payments.Locked rows = Payments.lockPending(c, answers.keySet().stream().map(Due::orderId).toList());
        Set<UUID> accounts = CreditAccounts.tryLockAll(c, answers.entrySet().stream()
                .filter(e -> !e.getValue().approved() && rows.locked().contains(e.getKey().orderId()))
                .map(e -> e.getKey().customerId()).collect(Collectors.toSet()));
        Map<UUID, String> completed = new LinkedHashMap<>();
        Map<UUID, String> failed = new LinkedHashMap<>();
        Map<UUID, BigDecimal> released = new LinkedHashMap<>();
        List<NewEvent> events = new ArrayList<>();
        for (Map.Entry<Due, ChargeResult> e : answers.entrySet()) {
            Due p = e.getKey();
            ChargeResult result = e.getValue();
            if (!rows.locked().contains(p.orderId())) {
                if (rows.busy().contains(p.orderId())) {
                    unrecorded.put(p, result);
                } // else recorded by another charger
                continue;
            }
            if (result.approved()) {
                completed.put(p.orderId(), null);
                events.add(PaymentEvents.completed(p.order(), p.idempotencyKey(), now));
            } else if (accounts.contains(p.customerId())) {
                failed.put(p.orderId(), result.reason());
                released.merge(p.customerId(), p.amount(), BigDecimal::add);
                events.add(PaymentEvents.failed(p.order(), p.idempotencyKey(), result.reason(), now));
            } else {
                unrecorded.put(p, result);
            }
        }
        Payments.resolveAll(c, Status.COMPLETED, completed, now);
        Payments.resolveAll(c, Status.FAILED, failed, now);
        CreditAccounts.releaseAll(c, released);
        outbox.write(c, events);
    }
}
