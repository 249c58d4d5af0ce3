// Package upstream classifies the failures of every upstream API (CRMs and Lusha) once,
// at the HTTP boundary, into the closed set of classes the connector alone reacts to.
package upstream
