package io.outboxrelay.consumers.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The test-only halt hook: inert unless asked for, and then it fires exactly once, at the n-th commit. */
class FaultPointUnitTests {

    private final List<Integer> halts = new ArrayList<>();

    @Test
    void isTheNoOpWithoutTheSystemProperty() {
        assertThat(FaultPoint.from(null, halts::add)).isSameAs(FaultPoint.NONE);
        assertThat(FaultPoint.from(" ", halts::add)).isSameAs(FaultPoint.NONE);
        assertThat(System.getProperty(FaultPoint.HALT_AFTER_COMMIT)).isNull();
        assertThat(FaultPoint.CONFIGURED).isSameAs(FaultPoint.NONE);
    }

    @Test
    void haltsWithItsOwnExitStatusOnceTheCommitsReachTheNthRecordOnlyOnce() {
        FaultPoint point = FaultPoint.from("5", halts::add);

        point.afterDatabaseCommit(1);
        point.afterDatabaseCommit(3);
        assertThat(halts).isEmpty();
        point.afterDatabaseCommit(2);
        assertThat(halts).containsExactly(FaultPoint.HALT_STATUS);
        point.afterDatabaseCommit(1);
        assertThat(halts).containsExactly(FaultPoint.HALT_STATUS);
    }

    @Test
    void rejectsAValueThatIsNotAPositiveInteger() {
        for (String bad : List.of("0", "-1", "three")) {
            assertThatThrownBy(() -> FaultPoint.from(bad, halts::add))
                    .hasMessage("outbox.fault.halt-after-commit must be a positive integer, was '" + bad + "'");
        }
    }
}
