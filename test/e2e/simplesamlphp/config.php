<?php
/*
 * SimpleSAMLphp 1.19 (Debian's package) as a throw-away IdP on loopback, for samlkit's end-to-end
 * tests. test/e2e/idp.ts points SIMPLESAMLPHP_CONFIG_DIR here and sets the variables below; nothing
 * under /etc or /var is read or written.
 *
 *   IDP_BASE_URL   http://127.0.0.1:PORT/ (the php -S docroot is SimpleSAMLphp's www/)
 *   IDP_STATE_DIR  a writable temporary directory: key pair, sessions, logs, and the SPs to trust
 *                  (sps.json, read by metadata/saml20-sp-remote.php; sp-metadata/*.xml, read below)
 *   IDP_LOG_LEVEL  DEBUG|INFO|NOTICE|WARNING|ERR (default NOTICE); DEBUG also logs every message
 */
$stateDir = rtrim((string) getenv('IDP_STATE_DIR'), '/');
if ($stateDir === '') {
    throw new \Exception('IDP_STATE_DIR is not set: start this IdP with test/e2e/idp.ts');
}
$levels = [
    'DEBUG' => SimpleSAML\Logger::DEBUG,
    'INFO' => SimpleSAML\Logger::INFO,
    'NOTICE' => SimpleSAML\Logger::NOTICE,
    'WARNING' => SimpleSAML\Logger::WARNING,
    'ERR' => SimpleSAML\Logger::ERR,
];
$level = strtoupper((string) (getenv('IDP_LOG_LEVEL') ?: 'NOTICE'));

// SPs registered from their SAML metadata, the way an admin adds an SP by its metadata: one XML
// metadata source per file, parsed by SimpleSAMLphp's own SAMLParser on every request.
$sources = [['type' => 'flatfile', 'directory' => __DIR__ . '/metadata']];
foreach (glob($stateDir . '/sp-metadata/*.xml') ?: [] as $file) {
    $sources[] = ['type' => 'xml', 'file' => $file];
}

$config = [
    'baseurlpath' => (string) getenv('IDP_BASE_URL'),
    'certdir' => $stateDir . '/',
    'loggingdir' => $stateDir . '/log/',
    'datadir' => $stateDir . '/data/',
    'tempdir' => $stateDir . '/tmp',
    'metadatadir' => __DIR__ . '/metadata/',
    'metadata.sources' => $sources,

    'technicalcontact_name' => 'samlkit tests',
    'technicalcontact_email' => 'tests@example.test',
    'timezone' => 'UTC',

    // Test-only values: this IdP listens on 127.0.0.1 for the length of a test run.
    'secretsalt' => 'samlkit-e2e-salt-not-a-secret-0123456789',
    'auth.adminpassword' => 'samlkit-e2e-admin',
    'admin.protectindexpage' => false,
    'admin.protectmetadata' => false,
    'admin.checkforupdates' => false,

    'enable.saml20-idp' => true,
    'enable.shib13-idp' => false,
    // Debian's package turns exampleauth off; the test users live in it.
    'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => true],

    'debug' => ['saml' => $level === 'DEBUG', 'backtraces' => true, 'validatexml' => false],
    'showerrors' => true,
    'errorreporting' => false,
    'production' => false,

    'logging.level' => $levels[$level] ?? SimpleSAML\Logger::NOTICE,
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'logging.processname' => 'simplesamlphp',

    // Plain HTTP: Secure cookies would be refused ("Setting secure cookie on plain HTTP is not
    // allowed"), and browsers reject SameSite=None without Secure, so SameSite stays unset.
    'session.cookie.secure' => false,
    'session.cookie.samesite' => null,
    'session.cookie.name' => 'SimpleSAMLSessionID',
    'session.cookie.path' => '/',
    'session.phpsession.cookiename' => 'SimpleSAML',
    'session.phpsession.savepath' => $stateDir . '/sessions',
    'session.phpsession.httponly' => true,
    'session.duration' => 8 * 60 * 60,
    'language.cookie.secure' => false,
    'language.cookie.samesite' => null,
    'store.type' => 'phpsession',

    'trusted.url.domains' => ['127.0.0.1', 'localhost'],
    // No consent page and no attribute renaming: the attributes go out as authsources.php has them.
    'authproc.idp' => [],
];
