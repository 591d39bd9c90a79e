package sshconfig

// The keywords of ssh_config(5), as OpenSSH's client knows them.

// kind says what pssh does with a keyword.
type kind int

const (
	// applied: pssh interprets the keyword (Settings, Dump).
	applied kind = iota + 1
	// notApplied: a keyword OpenSSH knows that pssh does not apply; it is
	// reported by Config.NotApplied.
	notApplied
	// deprecated: a keyword OpenSSH still accepts and ignores.
	deprecated
	// structural: Host, Match and Include.
	structural
)

// arity says how many arguments a keyword takes.
type arity int

const (
	argOne      arity = iota // exactly one
	argSeveral               // one or more
	argAny                   // any number, none included
	argCommand               // the rest of the line, as written
	argOneOrTwo              // one or two
)

type keyword struct {
	name  string // as the manual spells it
	kind  kind
	arity arity
}

// keywords maps each lowercased keyword to its description.
var keywords = map[string]keyword{}

func init() {
	for _, k := range []keyword{
		{"Host", structural, argSeveral},
		{"Match", structural, argSeveral},
		{"Include", structural, argSeveral},

		{"HostName", applied, argOne},
		{"User", applied, argOne},
		{"Port", applied, argOne},
		{"IdentityFile", applied, argOne},
		{"IdentitiesOnly", applied, argOne},
		{"IdentityAgent", applied, argOne},
		{"CertificateFile", applied, argOne},
		{"ProxyJump", applied, argOne},
		{"ProxyCommand", applied, argCommand},
		{"ConnectTimeout", applied, argOne},
		{"ServerAliveInterval", applied, argOne},
		{"ServerAliveCountMax", applied, argOne},
		{"StrictHostKeyChecking", applied, argOne},
		{"UserKnownHostsFile", applied, argSeveral},
		{"GlobalKnownHostsFile", applied, argSeveral},
		{"HostKeyAlias", applied, argOne},
		{"Ciphers", applied, argOne},
		{"KexAlgorithms", applied, argOne},
		{"HostKeyAlgorithms", applied, argOne},
		{"PubkeyAcceptedAlgorithms", notApplied, argOne},
		{"MACs", applied, argOne},
		{"CanonicalizeHostname", applied, argOne},
		{"CanonicalDomains", applied, argSeveral},
		{"CanonicalizeMaxDots", applied, argOne},
		{"CanonicalizeFallbackLocal", applied, argOne},
		{"CanonicalizePermittedCNAMEs", applied, argSeveral},
		{"IgnoreUnknown", applied, argOne},
		{"Tag", applied, argOne},
		// Nothing to do: pssh never prompts per host, and logs nothing
		// of its own.
		{"BatchMode", applied, argOne},
		{"LogLevel", applied, argOne},

		{"AddKeysToAgent", notApplied, argOne},
		{"AddressFamily", notApplied, argOne},
		{"BindAddress", notApplied, argOne},
		{"BindInterface", notApplied, argOne},
		{"CASignatureAlgorithms", notApplied, argOne},
		{"ChannelTimeout", notApplied, argSeveral},
		{"CheckHostIP", notApplied, argOne},
		{"ClearAllForwardings", notApplied, argOne},
		{"Compression", notApplied, argOne},
		{"ConnectionAttempts", notApplied, argOne},
		{"ControlMaster", notApplied, argOne},
		{"ControlPath", notApplied, argOne},
		{"ControlPersist", notApplied, argOne},
		{"DynamicForward", notApplied, argOne},
		{"EnableEscapeCommandline", notApplied, argOne},
		{"EnableSSHKeysign", notApplied, argOne},
		{"EscapeChar", notApplied, argOne},
		{"ExitOnForwardFailure", notApplied, argOne},
		{"FingerprintHash", notApplied, argOne},
		{"ForkAfterAuthentication", notApplied, argOne},
		{"ForwardAgent", notApplied, argOne},
		{"ForwardX11", notApplied, argOne},
		{"ForwardX11Timeout", notApplied, argOne},
		{"ForwardX11Trusted", notApplied, argOne},
		{"GatewayPorts", notApplied, argOne},
		{"GSSAPIAuthentication", notApplied, argOne},
		{"GSSAPIClientIdentity", notApplied, argOne},
		{"GSSAPIDelegateCredentials", notApplied, argOne},
		{"GSSAPIKexAlgorithms", notApplied, argOne},
		{"GSSAPIKeyExchange", notApplied, argOne},
		{"GSSAPIRenewalForcesRekey", notApplied, argOne},
		{"GSSAPIServerIdentity", notApplied, argOne},
		{"GSSAPITrustDns", notApplied, argOne},
		{"HashKnownHosts", notApplied, argOne},
		{"HostbasedAcceptedAlgorithms", notApplied, argOne},
		{"HostbasedAuthentication", notApplied, argOne},
		{"HostbasedKeyTypes", notApplied, argOne},
		{"IPQoS", notApplied, argOneOrTwo},
		{"KbdInteractiveAuthentication", notApplied, argOne},
		{"ChallengeResponseAuthentication", notApplied, argOne},
		{"KbdInteractiveDevices", notApplied, argOne},
		{"KnownHostsCommand", notApplied, argCommand},
		{"LocalCommand", notApplied, argCommand},
		{"LocalForward", notApplied, argAny},
		{"LogVerbose", notApplied, argSeveral},
		{"NoHostAuthenticationForLocalhost", notApplied, argOne},
		{"NumberOfPasswordPrompts", notApplied, argOne},
		{"ObscureKeystrokeTiming", notApplied, argOne},
		{"PasswordAuthentication", notApplied, argOne},
		{"PermitLocalCommand", notApplied, argOne},
		{"PermitRemoteOpen", notApplied, argSeveral},
		{"PKCS11Provider", notApplied, argOne},
		{"SmartcardDevice", notApplied, argOne},
		{"PreferredAuthentications", notApplied, argOne},
		{"ProxyUseFdpass", notApplied, argOne},
		{"PubkeyAcceptedKeyTypes", notApplied, argOne},
		{"PubkeyAuthentication", notApplied, argOne},
		{"RefuseConnection", notApplied, argOne},
		{"RekeyLimit", notApplied, argOneOrTwo},
		{"RemoteCommand", notApplied, argCommand},
		{"RemoteForward", notApplied, argAny},
		{"RequestTTY", notApplied, argOne},
		{"RequiredRSASize", notApplied, argOne},
		{"RevokedHostKeys", notApplied, argOne},
		{"SecurityKeyProvider", notApplied, argOne},
		{"SendEnv", notApplied, argAny},
		{"SessionType", notApplied, argOne},
		{"SetEnv", notApplied, argAny},
		{"StdinNull", notApplied, argOne},
		{"StreamLocalBindMask", notApplied, argOne},
		{"StreamLocalBindUnlink", notApplied, argOne},
		{"SyslogFacility", notApplied, argOne},
		{"TCPKeepAlive", notApplied, argOne},
		{"Tunnel", notApplied, argOne},
		{"TunnelDevice", notApplied, argOne},
		{"UpdateHostKeys", notApplied, argOne},
		{"VerifyHostKeyDNS", notApplied, argOne},
		{"VisualHostKey", notApplied, argOne},
		{"WarnWeakCrypto", notApplied, argOne},
		{"XAuthLocation", notApplied, argOne},
		// Debian's names for TCPKeepAlive and ConnectTimeout, and its
		// own.
		{"ProtocolKeepAlives", notApplied, argOne},
		{"SetupTimeOut", notApplied, argOne},
		{"UseBlacklistedKeys", notApplied, argOne},

		// Accepted and ignored by OpenSSH ("Deprecated option" or
		// "Unsupported option", a warning at most).
		{"AFSTokenPassing", deprecated, argAny},
		{"Cipher", deprecated, argAny},
		{"CompressionLevel", deprecated, argAny},
		{"DSAAuthentication", deprecated, argAny},
		{"FallBackToRsh", deprecated, argAny},
		{"GlobalKnownHostsFile2", deprecated, argAny},
		{"IdentityFile2", deprecated, argAny},
		{"KerberosAuthentication", deprecated, argAny},
		{"KerberosTGTPassing", deprecated, argAny},
		{"Protocol", deprecated, argAny},
		{"RhostsAuthentication", deprecated, argAny},
		{"RhostsRSAAuthentication", deprecated, argAny},
		{"RSAAuthentication", deprecated, argAny},
		{"SKeyAuthentication", deprecated, argAny},
		{"TISAuthentication", deprecated, argAny},
		{"UsePrivilegedPort", deprecated, argAny},
		{"UseRoaming", deprecated, argAny},
		{"UseRsh", deprecated, argAny},
	} {
		keywords[lower(k.name)] = k
	}
}
