<?php
// Mints a SAML Response the way a SimpleSAMLphp 1.19 IdP does (modules/saml/lib/IdP/SAML2.php):
// assertion built and signed by SAML2\Assertion, encrypted by SAML2\EncryptedAssertion with the SP's
// encryption certificate (RSA-OAEP-MGF1P; SAML2\EncryptedAssertion then picks AES-128-CBC), the assertion
// and the Response signed as asked. Prints the Response XML.
// Usage: php encrypt-response.php JSON  (idpKey, idpCert, spCert: PEM; now: Unix time; idpEntityId,
// spEntityId, acsUrl, inResponseTo, nameId; signAssertion, signResponse: booleans)
require '/usr/share/simplesamlphp/lib/_autoload.php';
use RobRichards\XMLSecLibs\XMLSecurityKey;

$o = json_decode($argv[1], true);
$now = $o['now'];

$signingKey = new XMLSecurityKey(XMLSecurityKey::RSA_SHA256, ['type' => 'private']);
$signingKey->loadKey($o['idpKey']);

$issuer = new \SAML2\XML\saml\Issuer();
$issuer->setValue($o['idpEntityId']);
$issuer->setFormat(\SAML2\Constants::NAMEID_ENTITY);

$a = new \SAML2\Assertion();
$a->setIssuer($issuer);
$a->setValidAudiences([$o['spEntityId']]);
$a->setNotBefore($now - 30);
$a->setNotOnOrAfter($now + 300);
$a->setAuthnContextClassRef(\SAML2\Constants::AC_PASSWORD_PROTECTED_TRANSPORT);
$a->setAuthnInstant($now);
$a->setSessionNotOnOrAfter($now + 8 * 3600);
$a->setSessionIndex('_session1');
$scd = new \SAML2\XML\saml\SubjectConfirmationData();
$scd->setNotOnOrAfter($now + 300);
$scd->setRecipient($o['acsUrl']);
$scd->setInResponseTo($o['inResponseTo']);
$sc = new \SAML2\XML\saml\SubjectConfirmation();
$sc->setMethod(\SAML2\Constants::CM_BEARER);
$sc->setSubjectConfirmationData($scd);
$a->setSubjectConfirmation([$sc]);
$nameId = new \SAML2\XML\saml\NameID();
$nameId->setValue($o['nameId']);
$nameId->setFormat(\SAML2\Constants::NAMEID_EMAIL_ADDRESS);
$a->setNameId($nameId);
$a->setAttributes(['email' => [$o['nameId']], 'groups' => ['admins', 'engineering']]);
if ($o['signAssertion']) {
    $a->setSignatureKey($signingKey);
    $a->setCertificates([$o['idpCert']]);
}

$encryptionKey = new XMLSecurityKey(XMLSecurityKey::RSA_OAEP_MGF1P, ['type' => 'public']);
$encryptionKey->loadKey($o['spCert']);
$ea = new \SAML2\EncryptedAssertion();
$ea->setAssertion($a, $encryptionKey);

$r = new \SAML2\Response();
$r->setIssuer($issuer);
$r->setDestination($o['acsUrl']);
$r->setInResponseTo($o['inResponseTo']);
$r->setAssertions([$ea]);
if ($o['signResponse']) {
    $r->setSignatureKey($signingKey);
    $r->setCertificates([$o['idpCert']]);
}
$xml = $r->toSignedXML();
echo $xml->ownerDocument->saveXML($xml);
