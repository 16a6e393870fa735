<?php
// Parses SP metadata with SimpleSAMLphp's own metadata parser (the code an SSP IdP runs when an
// admin imports our metadata) and prints what it understood as JSON. Validates the signature
// against the given certificate when one is passed. Usage: php parse-sp-metadata.php FILE [CERT]
require '/usr/share/simplesamlphp/lib/_autoload.php';

$xml = file_get_contents($argv[1]);
$entities = \SimpleSAML\Metadata\SAMLParser::parseDescriptorsString($xml);
$out = [];
foreach ($entities as $entityId => $entity) {
    $sp = $entity->getMetadata20SP();
    $signature = null;
    if (isset($argv[2])) {
        $fingerprint = openssl_x509_fingerprint(file_get_contents($argv[2]), 'sha256');
        $signature = $entity->validateFingerprint($fingerprint, \RobRichards\XMLSecLibs\XMLSecurityDSig::SHA256);
    }
    $out[] = [
        'entityId' => $entityId,
        'acs' => $sp['AssertionConsumerService'] ?? null,
        'slo' => $sp['SingleLogoutService'] ?? null,
        'keys' => array_map(fn ($key) => ['signing' => $key['signing'], 'encryption' => $key['encryption']], $sp['keys'] ?? []),
        'nameIdFormat' => $sp['NameIDFormat'] ?? null,
        'authnRequestsSigned' => $sp['validate.authnrequest'] ?? null,
        'wantAssertionsSigned' => $sp['saml20.sign.assertion'] ?? null,
        'signatureValid' => $signature,
    ];
}
echo json_encode($out, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
