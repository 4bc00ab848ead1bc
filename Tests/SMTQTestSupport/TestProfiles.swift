/// Profiles the tests add to the reference ones.
public enum TestProfiles {
    /// The reference AOI's record served read-only, as `smtq simulate --mode mailbox` serves it: SEQ at 0, the
    /// record at 2 (a profile file of its own, for `include: [profiles/*.yaml]`).
    public static let aoiMailbox = """
        profiles:
          aoi-mailbox:
            mode: mailbox
            sequence: 0
            record:
              address: 2
              length: 121
              fields:
                serial:      {register: 0,  type: string, length: 10}
                program:     {register: 10, type: string, length: 8}
                result:      {register: 18, type: u16, enum: {0: pass, 1: fail}}
                device_time: {register: 22, type: u32}

        """
}
