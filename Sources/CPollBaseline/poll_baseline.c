#include "poll_baseline.h"

#include <modbus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int smtq_baseline_poll(const char *host, int port, int devices, int reads, int count, double *wall, double *cpu) {
    modbus_t **contexts = calloc((size_t)devices, sizeof(modbus_t *));
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    for (int i = 0; i < devices; i++) {
        contexts[i] = modbus_new_tcp_pi(host, service);
        if (contexts[i] == NULL || modbus_connect(contexts[i]) != 0) {
            for (int j = 0; j <= i; j++) if (contexts[j]) modbus_free(contexts[j]);
            free(contexts);
            return -1;
        }
        modbus_set_slave(contexts[i], i + 1);
    }
    uint16_t registers[125];
    int failed = 0;
    double wall_start = seconds(CLOCK_MONOTONIC), cpu_start = seconds(CLOCK_THREAD_CPUTIME_ID);
    for (int r = 0; r < reads; r++) {
        if (modbus_read_registers(contexts[r % devices], 0, count, registers) != count) failed++;
    }
    *wall = seconds(CLOCK_MONOTONIC) - wall_start;
    *cpu = seconds(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
    for (int i = 0; i < devices; i++) {
        modbus_close(contexts[i]);
        modbus_free(contexts[i]);
    }
    free(contexts);
    return failed;
}
