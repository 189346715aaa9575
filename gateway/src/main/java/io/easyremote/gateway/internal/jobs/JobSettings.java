package io.easyremote.gateway.internal.jobs;

import java.time.Duration;

/**
 * How the gateway keeps async jobs.
 *
 * @param gatewayId the id under which this gateway's jobs are stored (it recovers only its own)
 * @param retention how long a finished job's result is kept before it expires
 * @param defaultTimeout a job's deadline, from each start, when the submitter names none
 * @param maxResultBytes the largest result stored; a larger one fails the job with PAYLOAD_TOO_LARGE
 * @param maxStoredJobs the most jobs kept (not yet expired); beyond it submissions get OVERLOADED
 * @param maxRunningJobs the most jobs handed to the scheduler at once; the rest wait, stored, in FIFO order
 */
public record JobSettings(String gatewayId, Duration retention, Duration defaultTimeout, int maxResultBytes, int maxStoredJobs,
    int maxRunningJobs) {}
