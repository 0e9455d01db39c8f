/** A self-signed certificate for `localhost`, valid for a day, generated at test time. */
export async function localhostCertificate(): Promise<{ cert: string; key: string }> {
  const selfsigned = await import('selfsigned')
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { notAfterDate: new Date(Date.now() + 86_400_000) })
  return { cert: pems.cert, key: pems.private }
}
