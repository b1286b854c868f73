package dev.courier.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NotFoundGraceTest {

    @Test
    void anUnknownIdIsRetriedWithinTheGraceFromItsFirst404ThenPoison() {
        NotFoundGrace grace = new NotFoundGrace(30_000);

        assertTrue(grace.retry(42, 1_000));
        assertTrue(grace.retry(42, 30_999));
        assertFalse(grace.retry(42, 31_000));
        assertFalse(grace.retry(42, 40_000), "stays poison");
        assertTrue(grace.retry(43, 40_000), "each id has its own grace");
    }

    @Test
    void noGraceMeansPoisonAtOnce() {
        assertFalse(new NotFoundGrace(0).retry(42, 1_000));
    }
}
