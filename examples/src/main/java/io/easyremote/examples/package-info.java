/**
 * Runnable examples quoted by the README: {@link io.easyremote.examples.QuickStart} and
 * {@link io.easyremote.examples.ErrorHandlingExample}. Each has a test calling the same method as
 * its {@code main}, so the examples cannot rot.
 */
package io.easyremote.examples;
