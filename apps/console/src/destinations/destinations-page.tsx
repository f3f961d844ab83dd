// Placeholder: replaced by the feature's page.
export default function DestinationsPage() {
  return <h1>DestinationsPage</h1>;
}
