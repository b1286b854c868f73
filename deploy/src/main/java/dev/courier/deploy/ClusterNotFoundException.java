package dev.courier.deploy;

import java.nio.file.Path;

/** {@link LocalCluster#attach(Path)} found no cluster state in the given directory. */
public final class ClusterNotFoundException extends IllegalStateException {

    public ClusterNotFoundException(Path workDir) {
        super("no cluster at " + workDir + ": " + ClusterState.FILE_NAME + " not found; run `courier cluster start` first");
    }
}
