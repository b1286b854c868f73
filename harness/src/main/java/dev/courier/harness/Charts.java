package dev.courier.harness;

import java.nio.file.Path;

/** Where a run's charts go: next to its report. */
public final class Charts {

    private Charts() {
    }

    /**
     * The PNG next to {@code report}: its name without the extension, then {@code suffix}, then {@code .png}
     * ({@code r.json} and {@code "-timeline"} give {@code r-timeline.png}; an empty suffix gives {@code r.png}).
     */
    public static Path pngNextTo(Path report, String suffix) {
        String name = report.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return report.toAbsolutePath().resolveSibling((dot > 0 ? name.substring(0, dot) : name) + suffix + ".png");
    }
}
