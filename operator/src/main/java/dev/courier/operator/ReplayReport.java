package dev.courier.operator;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** What a replay did (or, in a dry run, would do): the counts printed by {@code courier replay --json}. */
public record ReplayReport(
        @JsonProperty("replay_id") String replayId,
        @JsonProperty("source_topic") String sourceTopic,
        @JsonProperty("target_topic") String targetTopic,
        @JsonProperty("dry_run") boolean dryRun,
        @JsonProperty("resumed") boolean resumed,
        @JsonProperty("read") long read,
        @JsonProperty("would_send") long wouldSend,
        @JsonProperty("sent") long sent,
        @JsonProperty("already_sent") long alreadySent,
        @JsonProperty("skipped_by_filter") long skippedByFilter,
        @JsonProperty("skipped_reemits") long skippedReemits,
        @JsonProperty("skipped_by_loop_guard") long skippedByLoopGuard,
        @JsonProperty("undecodable") long undecodable,
        @JsonProperty("rate_per_s") double ratePerSecond,
        @JsonProperty("duration_s") double durationSeconds,
        @JsonProperty("sample") List<Sample> sample) {

    /** One record the replay sends (or would send): ids and coordinates, never the payload. */
    public record Sample(
            @JsonProperty("message_id") String messageId,
            @JsonProperty("recipient_id") String recipientId,
            @JsonProperty("conversation_id") String conversationId,
            @JsonProperty("sender_id") String senderId,
            @JsonProperty("seq") Long seq,
            @JsonProperty("sent_at") String sentAt,
            @JsonProperty("source") String source,
            @JsonProperty("replay_count") int replayCount) {
    }
}
