package dev.courier.operator;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where an interrupted replay resumes, as a JSON file: per source partition the next offset to read and the
 * end of the range, and per target partition an offset below which nothing of this replay was written after
 * this checkpoint (where a resume looks for records already sent). Written atomically: temp file, fsync, rename.
 */
public record ReplayCheckpoint(
        @JsonProperty("replay_id") String replayId,
        @JsonProperty("source_topic") String sourceTopic,
        @JsonProperty("next") Map<Integer, Long> next,
        @JsonProperty("end") Map<Integer, Long> end,
        @JsonProperty("target_from") Map<Integer, Long> targetFrom) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public ReplayCheckpoint {
        next = new TreeMap<>(next);
        end = new TreeMap<>(end);
        targetFrom = new TreeMap<>(targetFrom);
    }

    /** The checkpoint in {@code file}, or empty if there is no such file. */
    public static Optional<ReplayCheckpoint> load(Path file) {
        try {
            return Optional.of(MAPPER.readValue(Files.readAllBytes(file), ReplayCheckpoint.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalArgumentException("--checkpoint " + file + " is not a replay checkpoint: " + e.getMessage(), e);
        }
    }

    /** Replaces {@code file} with this checkpoint, all or nothing even on a crash. */
    public void save(Path file) {
        Path absolute = file.toAbsolutePath();
        Path temp = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        try {
            Files.createDirectories(absolute.getParent());
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(MAPPER.writeValueAsBytes(this)));
                channel.force(true);
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint " + file, e);
        }
    }

    /** Records of the range not read yet, over every partition. */
    public long remaining() {
        return next.entrySet().stream().mapToLong(e -> Math.max(0, end.getOrDefault(e.getKey(), 0L) - e.getValue())).sum();
    }
}
