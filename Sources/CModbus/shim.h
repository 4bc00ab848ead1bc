#ifndef SMTQ_CMODBUS_SHIM_H
#define SMTQ_CMODBUS_SHIM_H
#include <modbus.h>
#endif
