#ifndef SMTQ_POLL_BASELINE_H
#define SMTQ_POLL_BASELINE_H

/// The polling benchmark's baseline: a plain C loop of modbus_read_registers over `devices` TCP connections
/// (unit ids 1…devices) to host:port, round robin, `reads` reads of `count` registers from address 0, in the
/// calling thread. Writes the wall time and the thread's CPU time in seconds; returns the reads that failed,
/// or -1 when a connection could not be made.
int smtq_baseline_poll(const char *host, int port, int devices, int reads, int count, double *wall, double *cpu);

#endif
