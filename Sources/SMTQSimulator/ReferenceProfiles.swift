/// The reference profiles of config/profiles/, built in so `smtq simulate` works without the repository.
/// A test keeps these texts identical to the files.
public enum ReferenceProfiles {
    public static let aoiReference = #"""
        # The reference AOI register map, implemented by `smtq simulate --kind aoi`.
        #
        # FIFO with ACK: the machine queues finished boards. smtq reads SEQ, PENDING and the head record in one
        # request (registers 0–122), stores the record, then writes SEQ to ACK; only then does the machine pop it.
        # All addresses are protocol (0-based) holding-register addresses.
        profiles:
          aoi-reference:
            description: Reference AOI, FIFO with ACK, up to 6 defect calls per board
            mode: fifo
            table: holding
            addressing: zero_based
            max_registers_per_request: 125
            word_order: ABCD
            string_byte_order: high_first
            sequence: 0                   # u16 SEQ of the head record, +1 per record, wraps at 65535
            pending: 1                    # records queued; 0 = empty
            ack: 200                      # write SEQ here to pop the head record
            record:
              address: 2
              length: 121
              fields:
                serial:      {register: 0,  type: string, length: 10}
                program:     {register: 10, type: string, length: 8}
                result:      {register: 18, type: u16, enum: {0: pass, 1: fail}}
                position:    {register: 19, type: u16}
                cycle_ms:    {register: 20, type: u32}
                device_time: {register: 22, type: u32}     # Unix seconds by the machine's clock
              defects:
                count: {register: 24, type: u16}
                first: 25
                stride: 16
                max: 6
                fields:
                  refdes:  {register: 0,  type: string, length: 4}
                  part:    {register: 4,  type: string, length: 8}
                  code:
                    register: 12
                    type: u16
                    enum: {1: BRIDGE, 2: INSUFFICIENT, 3: TOMBSTONE, 4: MISSING, 5: OFFSET,
                           6: POLARITY, 7: EXCESS, 8: LIFTED_LEAD, 9: WRONG_PART, 10: SOLDER_BALL}
                  verdict: {register: 13, type: u16, enum: {0: real, 1: false_call}}
              defect_categories:
                BRIDGE: bridge
                INSUFFICIENT: insufficient_solder
                TOMBSTONE: tombstone
                MISSING: missing
                OFFSET: offset
                POLARITY: polarity
                EXCESS: excess_solder
                LIFTED_LEAD: lifted_lead
                WRONG_PART: wrong_part
                SOLDER_BALL: solder_ball
        """#

    public static let testerReference = #"""
        # The reference in-circuit / functional tester register map, implemented by `smtq simulate --kind tester`.
        #
        # FIFO with ACK like the AOI, with up to 12 measurements per board instead of defect calls. Floats are
        # IEEE 754 f32 with the low word first (CDAB), as many PLC-based rigs send them.
        profiles:
          tester-reference:
            description: Reference test rig, FIFO with ACK, up to 12 measurements per board
            mode: fifo
            table: holding
            addressing: zero_based
            max_registers_per_request: 125
            word_order: CDAB
            string_byte_order: high_first
            sequence: 0
            pending: 1
            ack: 200
            record:
              address: 2
              length: 121
              fields:
                serial:      {register: 0,  type: string, length: 10}
                program:     {register: 10, type: string, length: 8}
                result:      {register: 18, type: u16, enum: {0: pass, 1: fail}}
                position:    {register: 19, type: u16}
                cycle_ms:    {register: 20, type: u32}
                device_time: {register: 22, type: u32}
              measurements:
                count: {register: 24, type: u16}
                first: 25
                stride: 8
                max: 12
                fields:
                  name:  {register: 0, type: string, length: 4}
                  value: {register: 4, type: f32}
                  unit:  {register: 6, type: string, length: 2}
        """#

    public static let aoiCounters = #"""
        # A counters-only AOI: no per-board records, just cumulative totals, as older machines offer.
        # smtq stores the deltas; a counter that drops is a wrap (near its maximum) or a machine reset.
        profiles:
          aoi-counters:
            description: AOI board counters (u32, low word first)
            mode: counters
            table: input
            word_order: CDAB
            counters:
              - {name: inspected,   address: 0, type: u32}
              - {name: passed,      address: 2, type: u32}
              - {name: failed,      address: 4, type: u32}
              - {name: false_calls, address: 6, type: u32}
        """#

    /// File name (as in config/profiles/) → text.
    public static let all: [String: String] = [
        "aoi-reference.yaml": aoiReference, "tester-reference.yaml": testerReference, "aoi-counters.yaml": aoiCounters,
    ]
}
