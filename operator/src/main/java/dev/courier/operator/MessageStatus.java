package dev.courier.operator;

import com.fasterxml.jackson.databind.JsonNode;

/** "Where is message X": the trackers' status lookup ({@code GET /v1/messages/{id}}). */
public final class MessageStatus {

    private final Trackers trackers;

    public MessageStatus(Trackers trackers) {
        this.trackers = trackers;
    }

    /**
     * The tracker's answer: {@code {"messageId":..,"recipients":[{"recipientId","status","attempts","timeline"}]}}.
     *
     * @throws NotFoundException no tracker knows the message
     * @throws EnvironmentUnavailableException no tracker answered
     */
    public JsonNode lookup(String messageId) {
        return trackers.get("/v1/messages/" + Trackers.encode(messageId)).orElseThrow(() -> new NotFoundException(
                "message " + messageId + " is not known to the tracker (never published, or settled longer ago than "
                        + "the status retention)"));
    }
}
