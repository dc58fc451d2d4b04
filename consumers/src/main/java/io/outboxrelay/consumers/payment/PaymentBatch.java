package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.consumers.payment.Payments.Existing;
import io.outboxrelay.consumers.payment.Payments.Payment;
import io.outboxrelay.consumers.payment.Payments.Settleable;
import io.outboxrelay.consumers.payment.Payments.Status;
import io.outboxrelay.consumers.runtime.Event;
import io.outboxrelay.consumers.runtime.EventHandler;
import io.outboxrelay.consumers.runtime.Payloads;
import io.outboxrelay.consumers.runtime.RejectedEventException;
import io.outboxrelay.sql.EventContract;
import io.outboxrelay.sql.OutboxWriter;

/**
 * A poll's order events turned into payments with a fixed number of statements, whatever the batch's size (the rules
 * are {@link PaymentProcessor}'s): the batch's orders locked and their payments read, the credit accounts of their
 * customers locked and read in one statement each, the decisions taken in memory in the order read (each customer's
 * orders in their order, so each credit check sees the reservations and settlements of the orders before it), and the
 * results written with one statement per table. Measured before this (about five statements per event): the payment
 * consumer of {@code run --orders 30000} fell 16,000 events behind, decided in batches of 1,400 about 2 s of orders
 * apart, and rejected more for credit the further behind it was.
 */
final class PaymentBatch {

    private static final Logger LOG = LoggerFactory.getLogger(PaymentBatch.class);

    private final Duration settleAfter;
    private final OutboxWriter outbox;

    PaymentBatch(Duration settleAfter, OutboxWriter outbox) {
        this.settleAfter = settleAfter;
        this.outbox = outbox;
    }

    /** An {@code OrderPlaced} as the processor reads it. */
    private record Placed(OrderToPay order, Instant placedAt) {
    }

    /** An {@code OrderCancelled}: only the order id matters. */
    private record Cancelled(UUID orderId) {
    }

    /** A customer's account as the batch leaves it. */
    private static final class Account {
        final BigDecimal limit;
        BigDecimal reserved;
        boolean changed;
        final List<Settleable> unsettled = new ArrayList<>(); // completed, by placed_at

        Account(BigDecimal limit, BigDecimal reserved) {
            this.limit = limit;
            this.reserved = reserved;
        }
    }

    /** @param now the batch's one timestamp: created_at, settled_at, refund_requested_at and the events' times */
    void apply(List<Event> events, Connection c, EventHandler.Rejections rejections, Instant now) throws SQLException {
        List<Object> parsed = new ArrayList<>(events.size());
        TreeSet<UUID> orderIds = new TreeSet<>();
        for (Event event : events) {
            Object p = parse(event, rejections);
            parsed.add(p);
            if (p instanceof Placed placed) {
                orderIds.add(placed.order().orderId());
            }
            else if (p instanceof Cancelled cancelled) {
                orderIds.add(cancelled.orderId());
            }
        }
        if (orderIds.isEmpty()) {
            return;
        }
        Payments.lockOrders(c, orderIds);
        Map<UUID, Existing> existing = Payments.existing(c, orderIds);

        TreeSet<UUID> customers = new TreeSet<>();
        Instant latestCutoff = Instant.MIN;
        for (Object p : parsed) {
            if (p instanceof Placed placed && !existing.containsKey(placed.order().orderId())) {
                customers.add(placed.order().customerId());
                Instant cutoff = placed.placedAt().minus(settleAfter);
                latestCutoff = cutoff.isAfter(latestCutoff) ? cutoff : latestCutoff;
            }
        }
        Map<UUID, Account> accounts = new HashMap<>();
        CreditAccounts.lockAll(c, customers).forEach(credit -> accounts.put(credit.customerId(),
                new Account(credit.creditLimit(), credit.reserved())));
        if (!accounts.isEmpty()) {
            for (Settleable s : Payments.lockSettleable(c, accounts.keySet(), latestCutoff)) {
                accounts.get(s.customerId()).unsettled.add(s);
            }
        }

        Map<UUID, Payment> inserted = new LinkedHashMap<>();
        List<UUID> settled = new ArrayList<>();
        Set<UUID> refundsAsked = new LinkedHashSet<>();
        List<OutboxWriter.NewEvent> written = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            if (parsed.get(i) instanceof Placed placed) {
                Payment payment = place(placed, events.get(i), existing, inserted, accounts, refundsAsked, settled, written,
                        rejections, now);
                if (payment != null) {
                    inserted.put(payment.orderId(), payment);
                }
            }
            else if (parsed.get(i) instanceof Cancelled cancelled) {
                cancel(cancelled.orderId(), events.get(i), existing, inserted, refundsAsked, now);
            }
        }
        Payments.markSettled(c, settled, now);
        CreditAccounts.setReserved(c, accounts.entrySet().stream().filter(e -> e.getValue().changed)
                .collect(LinkedHashMap::new, (m, e) -> m.put(e.getKey(), e.getValue().reserved), Map::putAll));
        Payments.insertAll(c, inserted.values());
        for (UUID orderId : Payments.requestRefunds(c, refundsAsked, now)) {
            LOG.info("Order {} was cancelled with its payment pending or completed; it will be refunded", orderId);
        }
        outbox.write(c, written);
    }

    private static Object parse(Event event, EventHandler.Rejections rejections) {
        try {
            return switch (event.eventType()) {
                case EventContract.Order.PLACED -> new Placed(OrderToPay.from(event.payload()),
                        Payloads.instant(event.payload(), "placedAt"));
                case EventContract.Order.CANCELLED -> new Cancelled(Payloads.uuid(event.payload(), "orderId"));
                default -> throw new IllegalStateException("the runtime passed an event type not declared handled: "
                        + event.eventType());
            };
        }
        catch (RejectedEventException e) {
            rejections.reject(event, e.getMessage());
            return null;
        }
    }

    /** @return the payment to insert, or null when the order has one already or cannot be paid here */
    private Payment place(Placed placed, Event event, Map<UUID, Existing> existing, Map<UUID, Payment> inserted,
                          Map<UUID, Account> accounts, Set<UUID> refundsAsked, List<UUID> settled,
                          List<OutboxWriter.NewEvent> written,
                          EventHandler.Rejections rejections, Instant now) {
        OrderToPay order = placed.order();
        Existing before = existing.get(order.orderId());
        Payment earlier = inserted.get(order.orderId());
        if (before != null || earlier != null) {
            LOG.debug("Order {} already has payment outcome {}; OrderPlaced {} at {} changes nothing", order.orderId(),
                    before != null ? before.status() : earlier.status(), event.eventId(), event.source());
            return null;
        }
        Account account = accounts.get(order.customerId());
        if (account == null) {
            rejections.reject(event, "OrderPlaced for order " + order.orderId() + " of customer " + order.customerId()
                    + ", who has no credit account: import the credit limits (PaymentProcessor.importCredit),"
                    + " then replay this record");
            return null;
        }
        settleAsOf(account, placed.placedAt().minus(settleAfter), refundsAsked, settled, written, now);
        String key = PaymentProcessor.idempotencyKey(order.orderId());
        BigDecimal after = account.reserved.add(order.amount());
        if (after.compareTo(account.limit) <= 0) {
            account.reserved = after;
            account.changed = true;
            return new Payment(order.orderId(), order.customerId(), order.amount(), order.currency(), placed.placedAt(),
                    Status.PENDING, key, null, now);
        }
        String reason = "credit limit exceeded: limit " + account.limit + ", reserved " + account.reserved
                + ", order total " + order.amount();
        written.add(PaymentEvents.creditRejected(order, account.limit, account.reserved, reason, now));
        return new Payment(order.orderId(), order.customerId(), order.amount(), order.currency(), placed.placedAt(),
                Status.REJECTED, key, reason, now);
    }

    /**
     * The simulated customer has paid, by the time an order was placed, its completed payments of orders placed
     * {@code settleAfter} or more before it; see {@link PaymentProcessor} for why this follows the orders' time.
     */
    private static void settleAsOf(Account account, Instant cutoff, Set<UUID> refundsAsked, List<UUID> settled,
                                   List<OutboxWriter.NewEvent> written, Instant now) {
        for (var it = account.unsettled.iterator(); it.hasNext(); ) {
            Settleable s = it.next();
            if (s.placedAt().isAfter(cutoff)) {
                break; // by placed_at: the rest are later still
            }
            it.remove();
            if (refundsAsked.contains(s.due().orderId())) {
                continue; // cancelled earlier in this batch: refunded instead
            }
            account.reserved = account.reserved.subtract(s.due().amount());
            account.changed = true;
            settled.add(s.due().orderId());
            written.add(PaymentEvents.settled(s.due().order(), s.due().idempotencyKey(), now));
        }
    }

    private static void cancel(UUID orderId, Event event, Map<UUID, Existing> existing, Map<UUID, Payment> inserted,
                               Set<UUID> refundsAsked, Instant now) {
        Payment fresh = inserted.get(orderId);
        if (fresh != null && fresh.status() == Status.PENDING && fresh.refundRequestedAt() == null) {
            inserted.put(orderId, fresh.withRefundRequestedAt(now));
            LOG.info("Order {} was cancelled with its payment pending or completed; it will be refunded", orderId);
            return;
        }
        Existing stored = existing.get(orderId);
        if (fresh == null && stored != null && stored.refundable() && refundsAsked.add(orderId)) {
            return; // asked for when the batch is written (logged then), if the payment is still refundable
        }
        LOG.debug("OrderCancelled {} at {}: order {} has nothing to refund, or its refund was asked already",
                event.eventId(), event.source(), orderId);
    }
}
