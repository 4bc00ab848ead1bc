import CModbus

/// One unit id's register tables for a server (`modbus_mapping_t`): coils, discrete inputs, holding and
/// input registers, each `size` long from address 0. Owned by the server's thread.
public final class RegisterMapping {
    let mapping: UnsafeMutablePointer<modbus_mapping_t>
    public let size: Int

    public init?(size: Int) {
        guard let mapping = modbus_mapping_new(Int32(size), Int32(size), Int32(size), Int32(size)) else { return nil }
        self.mapping = mapping
        self.size = size
    }

    deinit {
        modbus_mapping_free(mapping)
    }

    public func setHolding(_ address: Int, _ values: [UInt16]) {
        for (offset, value) in values.enumerated() where address + offset < size {
            mapping.pointee.tab_registers[address + offset] = value
        }
    }

    public func setInput(_ address: Int, _ values: [UInt16]) {
        for (offset, value) in values.enumerated() where address + offset < size {
            mapping.pointee.tab_input_registers[address + offset] = value
        }
    }
}
