package dev.courier.harness;

/** A one-line progress bar on stderr (redrawn in place), with log lines printed above it. */
public final class Progress {

    private static final int WIDTH = 30;
    private final boolean interactive = System.console() != null;
    private String lastBar = "";
    private long lastPrinted;

    public synchronized void say(String line) {
        clear();
        System.err.println(line);
        if (interactive && !lastBar.isEmpty()) {
            System.err.print(lastBar);
        }
    }

    public synchronized void bar(long done, long total, String detail) {
        bar(done, total, "delivered", detail);
    }

    /** {@code unit} names what is counted ("delivered", "records"). */
    public synchronized void bar(long done, long total, String unit, String detail) {
        int filled = total == 0 ? 0 : (int) Math.min(WIDTH, done * WIDTH / total);
        String bar = String.format("[%s%s] %3d%% %d/%d %s | %s", "#".repeat(filled), "-".repeat(WIDTH - filled),
                total == 0 ? 0 : done * 100 / total, done, total, unit, detail);
        if (interactive) {
            clear();
            System.err.print(bar);
            lastBar = bar;
        } else if (System.currentTimeMillis() - lastPrinted >= 5_000) {
            // Not a terminal (CI, a pipe): a plain line every few seconds instead of redraws.
            System.err.println(bar);
            lastPrinted = System.currentTimeMillis();
        }
    }

    public synchronized void finish() {
        clear();
        lastBar = "";
    }

    private void clear() {
        if (interactive && !lastBar.isEmpty()) {
            System.err.print("\r" + " ".repeat(lastBar.length()) + "\r");
        }
    }
}
