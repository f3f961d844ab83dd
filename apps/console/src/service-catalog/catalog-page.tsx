// Placeholder: replaced by the feature's page.
export default function CatalogPage() {
  return <h1>CatalogPage</h1>;
}
