package io.easyremote.cluster;

/**
 * Told about every change to the directory's view. Called on the directory's receiving thread, one
 * change at a time, in order: return quickly and never block (hand work to your own executor).
 */
@FunctionalInterface
public interface DirectoryListener {
  /** The view changed; {@code change.view()} is the view after it. */
  void changed(DirectoryChange change);
}
