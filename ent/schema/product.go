package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Product is a catalog entry with an ordered list of images.
type Product struct {
	ent.Schema
}

// Fields of the Product.
func (Product) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			Validate(maxRunes(150)).
			SchemaType(varchar(150)).
			Annotations(entgql.OrderField("NAME")),
		field.Text("description").
			Default(""),
		// price is kept exactly, in cents, so that ordering by price is numeric;
		// GraphQL shows it as the Decimal scalar ("19.90").
		field.Int64("price").
			Min(0).
			Annotations(entgql.Type("Decimal"), entgql.OrderField("PRICE")),
		field.Time("created_at").
			Default(time.Now).
			Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
		field.Time("updated_at").
			Default(time.Now).
			UpdateDefault(time.Now),
	}
}

// Edges of the Product.
func (Product) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("images", ProductImage.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Annotations of the Product.
func (Product) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}
