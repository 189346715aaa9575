/**
 * The {@code easyremote} command line: start with {@link io.easyremote.cli.Main}. The built-in
 * functions a node serves without {@code --functions} are in {@link io.easyremote.cli.SampleFunctions}.
 */
package io.easyremote.cli;
